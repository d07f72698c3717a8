//! GOV.UK Frontend's generic header (`govuk-generic-header`), unbranded.
//!
//! This service is run by councils and the NHS, not on gov.uk: no crown, no GOV.UK
//! logotype, just the service name as text linking home.

use leptos::prelude::*;

#[component]
pub fn Header(
    /// The service name shown as the header's logo text.
    #[prop(into)]
    service_name: String,
    /// Where the service name links to.
    #[prop(into, default = "/".into())]
    href: String,
) -> impl IntoView {
    view! {
        <div class="govuk-generic-header">
            <div class="govuk-generic-header__container govuk-width-container">
                <div class="govuk-generic-header__logo">
                    <a href=href class="govuk-generic-header__homepage-link">
                        {service_name}
                    </a>
                </div>
            </div>
        </div>
    }
}
