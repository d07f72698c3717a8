//! GOV.UK Frontend's confirmation panel (`govuk-panel--confirmation`): the big green box
//! that tells the user a transaction is complete ("Record submitted", with its ID).

use leptos::prelude::*;

#[component]
pub fn Panel(
    /// The page's `<h1>`, e.g. "Record submitted".
    #[prop(into)]
    title: String,
    /// Body, e.g. "Register ID" and the number.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="govuk-panel govuk-panel--confirmation">
            <h1 class="govuk-panel__title">{title}</h1>
            {children.map(|children| view! { <div class="govuk-panel__body">{children()}</div> })}
        </div>
    }
}
