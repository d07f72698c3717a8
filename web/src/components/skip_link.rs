//! GOV.UK Frontend's skip link (`govuk-skip-link`): the first thing a keyboard user reaches,
//! jumping past the header and navigation to the page's main content.

use leptos::prelude::*;

use super::focus::focus_by_id;

#[component]
pub fn SkipLink(
    /// The id of the element to move to (without `#`).
    #[prop(into, default = "main-content".into())]
    target: String,
) -> impl IntoView {
    let href = format!("#{target}");
    // Handled here (and not left to the browser) because the router would treat the
    // `#main-content` link as a navigation, and because `<main>` needs a temporary tabindex
    // to take focus, as GOV.UK's script gives it.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if focus_by_id(&target, Some("govuk-skip-link-focused-element")) {
            ev.prevent_default();
        }
    };
    view! {
        <a href=href class="govuk-skip-link" data-module="govuk-skip-link" on:click=on_click>
            "Skip to main content"
        </a>
    }
}
