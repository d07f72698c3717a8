//! Page not found: the router's fallback for any path the SPA does not know. The server
//! answers every non-API path with the SPA, so this is what a mistyped or stale link shows.

use leptos::prelude::*;

use crate::components::PageTitle;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <PageTitle text="Page not found" />
        <h1 class="govuk-heading-l">"Page not found"</h1>
        <p class="govuk-body">"If you typed the web address, check it is correct."</p>
        <p class="govuk-body">
            "If you pasted the web address, check you copied the entire address."
        </p>
        <p class="govuk-body">
            "If the web address is correct or you selected a link or button, go to the "
            <a class="govuk-link" href="/">"home page"</a>
            " or see "
            <a class="govuk-link" href="/help">"Help and Support"</a>
            "."
        </p>
    }
}
