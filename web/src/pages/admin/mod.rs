//! Administration (`/admin`): user accounts and system status (permission `admin.users`),
//! API clients (`admin.clients`), drop-down lists (`admin.reference`) and the audit log
//! (`audit.view`). Every action is confirmed on its own page ("Are you sure…") and
//! reported by a success banner on the page the user returns to.

mod audit;
mod clients;
mod reference;
mod system;
mod users;

pub use audit::AuditLog;
pub use clients::{ClientAction, Clients, NewClient};
pub use reference::{NewReferenceValuePage, ReferenceLists, ReferenceValueAction, ReferenceValues};
pub use system::SystemStatusPage;
pub use users::{EditUser, NewUser, UserAction, UserDetail, Users};

use leptos::prelude::*;
use s117_shared::permissions::Permission;

use crate::components::{BannerKind, NotificationBanner, PageTitle};
use crate::session::use_session;

/// Renders `children` for a user holding any of `any`; otherwise says they may not.
#[component]
pub fn NeedPermission(any: &'static [Permission], children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    // A Memo: refreshing the user must not re-create the page (and lose what was typed).
    let allowed = Memo::new(move |_| any.iter().any(|p| session.can(*p)));
    move || {
        if allowed.get() {
            children().into_any()
        } else {
            view! {
                <PageTitle text="You do not have permission to see this page" />
                <h1 class="govuk-heading-l">"You do not have permission to see this page"</h1>
                <p class="govuk-body">
                    "If you need access, ask an administrator or contact your helpdesk."
                </p>
                <p class="govuk-body"><a class="govuk-link" href="/">"Go to the home page"</a></p>
            }
            .into_any()
        }
    }
}

/// The success banner for the message the previous page left ([`Session::set_flash`]).
///
/// [`Session::set_flash`]: crate::session::Session::set_flash
#[component]
pub fn FlashBanner() -> impl IntoView {
    let session = use_session();
    session
        .take_flash()
        .map(|message| view! { <NotificationBanner kind=BannerKind::Success heading=message /> })
}

struct Area {
    label: &'static str,
    path: &'static str,
    summary: &'static str,
    permission: Permission,
}

const AREAS: &[Area] = &[
    Area {
        label: "Users",
        path: "/admin/users",
        summary:
            "Create accounts, change permissions, unlock, reset passwords, disable and re-enable.",
        permission: Permission::AdminUsers,
    },
    Area {
        label: "API clients",
        path: "/admin/clients",
        summary:
            "Let other council and NHS systems use the API: create, rotate secrets and revoke.",
        permission: Permission::AdminClients,
    },
    Area {
        label: "Drop-down lists",
        path: "/admin/reference",
        summary:
            "Add, rename, retire and reinstate the values offered in the register's drop-downs.",
        permission: Permission::AdminReference,
    },
    Area {
        label: "Audit log",
        path: "/admin/audit",
        summary: "See who viewed or changed what, and when. Search it and download it.",
        permission: Permission::AuditView,
    },
    Area {
        label: "System status",
        path: "/admin/system",
        summary: "Version, database, mail settings and counts; send a test email.",
        permission: Permission::AdminUsers,
    },
];

/// Holding any of these shows the Administration area.
pub const ADMIN_PERMISSIONS: &[Permission] = &[
    Permission::AdminUsers,
    Permission::AdminClients,
    Permission::AdminReference,
    Permission::AuditView,
];

/// `/admin`: a card for each administration area the user may use.
#[component]
pub fn AdminHome() -> impl IntoView {
    let session = use_session();
    let cards = move || {
        AREAS
            .iter()
            .filter(|area| session.can(area.permission))
            .map(|area| {
                view! {
                    <li class="s117-card">
                        <h2 class="govuk-heading-s">
                            <a class="govuk-link govuk-link--no-visited-state" href=area.path>
                                {area.label}
                            </a>
                        </h2>
                        <p class="govuk-body">{area.summary}</p>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <NeedPermission any=ADMIN_PERMISSIONS>
            <PageTitle text="Administration" />
            <h1 class="govuk-heading-l">"Administration"</h1>
            <ul class="s117-cards">{cards}</ul>
        </NeedPermission>
    }
}

/// "Yes, …" / "No, go back" at the foot of a confirmation page.
#[component]
pub(crate) fn ConfirmButtons(
    #[prop(into)] yes: String,
    #[prop(into)] back: String,
    warning: bool,
    busy: RwSignal<bool>,
    on_yes: impl Fn() + 'static,
) -> impl IntoView {
    let class = if warning {
        "govuk-button govuk-button--warning"
    } else {
        "govuk-button"
    };
    view! {
        <div class="govuk-button-group">
            <button
                type="button"
                class=class
                data-module="govuk-button"
                disabled=move || busy.get()
                on:click=move |_| on_yes()
            >
                {yes}
            </button>
            <a class="govuk-link" href=back>"No, go back"</a>
        </div>
    }
}
