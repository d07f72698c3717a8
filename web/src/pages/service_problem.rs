//! "Sorry, there is a problem with the service": shown instead of any page when the API
//! cannot be reached (GOV.UK's service-unavailable pattern: say what happened, not why).

use leptos::prelude::*;

use crate::components::PageTitle;

#[component]
pub fn ServiceProblem() -> impl IntoView {
    view! {
        <PageTitle text="Sorry, there is a problem with the service" />
        <h1 class="govuk-heading-l">"Sorry, there is a problem with the service"</h1>
        <p class="govuk-body">"Try again later."</p>
        <p class="govuk-body">
            "For help and support please speak to your local first line support team."
        </p>
    }
}
