//! `/sign-out` ("Logout" in the menu): ends the session on the server and here, then shows
//! the sign-in page with "You have signed out".

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::components::PageTitle;
use crate::session::use_session;

#[component]
pub fn SignOut() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.token.get_untracked().is_some() {
            session.sign_out();
        } else {
            navigate("/sign-in", NavigateOptions::default());
        }
    });
    view! {
        <PageTitle text="Signing out" />
        <div class="s117-loading" aria-busy="true"></div>
    }
}
