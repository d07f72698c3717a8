//! GOV.UK Frontend's error message (`govuk-error-message`): the red line beside a field.

use leptos::prelude::*;

#[component]
pub fn ErrorMessage(
    /// The element id, referenced by the field's `aria-describedby`.
    #[prop(into, optional)]
    id: Option<String>,
    /// The message, e.g. "Enter a date of birth".
    #[prop(into)]
    text: Signal<String>,
) -> impl IntoView {
    // The hidden "Error:" prefix tells screen-reader users what this line is.
    view! {
        <p id=id class="govuk-error-message">
            <span class="govuk-visually-hidden">"Error:"</span>
            " "
            {text}
        </p>
    }
}
