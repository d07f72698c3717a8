//! GOV.UK Frontend's back link (`govuk-back-link`), placed above the page's `<main>`.

use leptos::prelude::*;

#[component]
pub fn BackLink(
    /// Where "Back" goes: the previous page of the journey, never `javascript:history`.
    #[prop(into)]
    href: String,
    #[prop(into, default = "Back".into())] text: String,
) -> impl IntoView {
    view! { <a href=href class="govuk-back-link">{text}</a> }
}
