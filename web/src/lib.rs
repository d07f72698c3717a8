//! # s117-web
//!
//! The S117 Register single-page app: Leptos, rendered in the browser, compiled to WASM and
//! served by the `s117` binary from `web/dist`. It is one more client of the public JSON API
//! (only [`api`] talks to the server) and looks like a GOV.UK service without the GOV.UK
//! branding (the `components` emit GOV.UK Frontend's markup; `web/style` compiles its CSS).
//!
//! Layout: [`App`] is the page template (skip link, header, navigation, main, footer) and the
//! router; [`nav`] lists the areas; [`pages`] holds one component per page.
//!
//! Content-Security-Policy: the server allows scripts and styles from 'self' only, so nothing
//! here may create `<style>` or inline `<script>` elements (setting style properties through
//! the DOM is fine).

pub mod api;
pub mod components;
pub mod download;
pub mod nav;
pub mod pages;
pub mod session;

use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use web_sys::HtmlElement;

use components::focus::focus_temporarily;
use components::{Footer, FooterLink, Header, NavLink, ServiceNavigation, SkipLink};
use pages::{admin, auth, HelpAndSupport, Home, NotFound, ServiceProblem};
use session::{RequireSignIn, Session};

/// The service's name, in the header and every page title.
pub const SERVICE_NAME: &str = "S117 Register";

/// The id of `<main>`, target of the skip link.
const MAIN_ID: &str = "main-content";

/// The whole app: mounted on `<body>` by `main.rs` (and by the component tests).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Shell />
        </Router>
    }
}

/// The GOV.UK page template around every page.
#[component]
fn Shell() -> impl IntoView {
    session::provide_session();
    let location = use_location();
    let path = Signal::derive(move || location.pathname.get());

    let session = session::use_session();
    let links = Signal::derive(move || nav_links(&session));

    // Is the API there at all? Asked once, at start; if not, no page can work.
    let health = LocalResource::new(api::health);

    let main_ref = NodeRef::<leptos::html::Main>::new();
    move_focus_to_main_on_navigation(path, main_ref);

    let content = move || {
        match health.get() {
        // Still asking: keep the space so the footer does not jump.
        None => view! { <div class="s117-loading" aria-busy="true"></div> }.into_any(),
        Some(Err(_)) => view! { <ServiceProblem /> }.into_any(),
        Some(Ok(_)) => view! {
            // Signed-out users see sign-in for every page but Help and the sign-in pages.
            <RequireSignInUnlessPublic path=path>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home />
                <Route path=path!("/help") view=HelpAndSupport />
                <Route path=path!("/sign-in") view=auth::SignIn />
                <Route path=path!("/sign-in/code") view=auth::SecurityCode />
                <Route path=path!("/sign-out") view=auth::SignOut />
                <Route path=path!("/account/password") view=auth::ChangePassword />
                <Route path=path!("/admin") view=admin::AdminHome />
                <Route path=path!("/admin/users") view=admin::Users />
                <Route path=path!("/admin/users/new") view=admin::NewUser />
                <Route path=path!("/admin/users/:id") view=admin::UserDetail />
                <Route path=path!("/admin/users/:id/change") view=admin::EditUser />
                <Route path=path!("/admin/users/:id/:action") view=admin::UserAction />
                <Route path=path!("/admin/clients") view=admin::Clients />
                <Route path=path!("/admin/clients/new") view=admin::NewClient />
                <Route path=path!("/admin/clients/:id/:action") view=admin::ClientAction />
                <Route path=path!("/admin/reference") view=admin::ReferenceLists />
                <Route path=path!("/admin/reference/:list") view=admin::ReferenceValues />
                <Route path=path!("/admin/reference/:list/new") view=admin::NewReferenceValuePage />
                <Route path=path!("/admin/reference/:list/:code/:action") view=admin::ReferenceValueAction />
                <Route path=path!("/admin/audit") view=admin::AuditLog />
                <Route path=path!("/admin/system") view=admin::SystemStatusPage />
                <Route path=path!("/records") view=pages::records::ManageRecordsPage />
                <Route path=path!("/records/new") view=pages::records::SubmitRecordPage />
                <Route path=path!("/records/import") view=pages::records::ImportRecordsPage />
                <Route path=path!("/records/:id") view=pages::records::ViewRecordPage />
                <Route path=path!("/records/:id/edit") view=pages::records::EditRecordPage />
                <Route path=path!("/records/:id/end") view=pages::records::EndEntitlementPage />
                <Route path=path!("/records/:id/delete") view=pages::records::DeleteRecordPage />
                <Route path=path!("/records/:id/episodes/new") view=pages::records::NewEpisodePage />
                <Route path=path!("/reports") view=pages::reports::ReportingPage />
            </Routes>
            </RequireSignInUnlessPublic>
        }
        .into_any(),
    }
    };

    view! {
        <SkipLink target=MAIN_ID />
        <header class="govuk-template__header">
            <Header service_name=SERVICE_NAME />
            <ServiceNavigation links=links current_path=path />
        </header>
        <auth::TimeoutWarning />
        <div class="govuk-width-container">
            <main class="govuk-main-wrapper" id=MAIN_ID node_ref=main_ref>
                {content}
            </main>
        </div>
        <footer class="govuk-template__footer">
            <Footer links=vec![
                FooterLink { text: "Help and Support", href: "/help", external: false },
                FooterLink { text: "API documentation", href: "/api/docs", external: true },
            ] />
        </footer>
    }
}

/// The menu for whoever is using the app: the areas their permissions allow, then "User
/// logged in: <name>" (their account page, as in the fact sheet). Signed out, or before a
/// forced password change, only what needs no sign-in (and Logout once signed in).
fn nav_links(session: &Session) -> Vec<NavLink> {
    let link = |entry: &nav::NavEntry| NavLink {
        text: entry.label.to_owned(),
        href: entry.path.to_owned(),
    };
    session.me.with(|me| match me {
        Some(me) if !me.must_change_password => nav::visible(Some(&me.permissions))
            .map(link)
            .chain(std::iter::once(NavLink {
                text: format!("User logged in: {}", me.name),
                href: session::CHANGE_PASSWORD_PATH.to_owned(),
            }))
            .collect(),
        Some(_) => nav::visible(None)
            .chain(
                nav::NAV
                    .iter()
                    .filter(|entry| entry.path == nav::SIGN_OUT_PATH),
            )
            .map(link)
            .collect(),
        None => nav::visible(None)
            .map(link)
            .chain(std::iter::once(NavLink {
                text: "Sign in".to_owned(),
                href: "/sign-in".to_owned(),
            }))
            .collect(),
    })
}

/// Pages anyone may see without signing in. The password page checks sign-in itself (it is
/// also the forced first-sign-in change, which `RequireSignIn` would send back to itself).
fn is_public(path: &str) -> bool {
    matches!(
        path.trim_end_matches('/'),
        "/help" | "/sign-in" | "/sign-in/code" | "/sign-out" | session::CHANGE_PASSWORD_PATH
    )
}

/// Wraps the routes: public pages render as they are, every other page only when signed in.
#[component]
fn RequireSignInUnlessPublic(path: Signal<String>, children: ChildrenFn) -> impl IntoView {
    let public = Memo::new(move |_| is_public(&path.get()));
    let children = StoredValue::new(children);
    move || {
        if public.get() {
            children.with_value(|children| children()).into_any()
        } else {
            let inner = move || children.with_value(|children| children());
            view! { <RequireSignIn>{inner()}</RequireSignIn> }.into_any()
        }
    }
}

/// After an in-app navigation, put focus at the start of the new page's content, as a full
/// page load would put it at the start of the document: otherwise keyboard and screen-reader
/// users stay on a link that has been re-rendered (or is gone) and hear nothing.
fn move_focus_to_main_on_navigation(path: Signal<String>, main: NodeRef<leptos::html::Main>) {
    Effect::new(move |previous: Option<String>| {
        let path = path.get();
        if previous.is_some_and(|previous| previous != path) {
            if let Some(main) = main.get_untracked() {
                let main: &HtmlElement = &main;
                focus_temporarily(main, Some("govuk-skip-link-focused-element"));
            }
        }
        path
    });
}
