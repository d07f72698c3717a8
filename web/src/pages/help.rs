//! Help and Support, in the fact sheet's words.

use leptos::prelude::*;

use crate::components::PageTitle;

#[component]
pub fn HelpAndSupport() -> impl IntoView {
    view! {
        <PageTitle text="Help and Support" />
        <h1 class="govuk-heading-l">"Help and Support"</h1>
        <p class="govuk-body">
            "For help and support please speak to your local first line support team."
        </p>
        <h2 class="govuk-heading-m">"Connecting another system"</h2>
        <p class="govuk-body">
            "Systems that exchange records with the register use its API. Read the "
            // Served by the API itself, not a route of this app: rel="external" makes the
            // router leave the click to the browser.
            <a class="govuk-link" href="/api/docs" rel="external">"API documentation"</a>
            "."
        </p>
    }
}
