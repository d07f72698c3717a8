//! GOV.UK Frontend's button (`govuk-button`), as a `<button>` or a link styled as one.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonKind {
    /// The main action of the page.
    #[default]
    Primary,
    /// A less important action.
    Secondary,
    /// A destructive action (delete, end entitlement).
    Warning,
}

#[component]
pub fn Button(
    #[prop(optional)] kind: ButtonKind,
    /// A start button (with the arrow), only for a service's start page.
    #[prop(optional)]
    start: bool,
    /// Render as a link to `href` (`role="button"`), e.g. "Submit another record".
    #[prop(into, optional)]
    href: Option<String>,
    /// `type` of a `<button>`: `submit` (default) or `button`.
    #[prop(optional, default = "submit")]
    button_type: &'static str,
    #[prop(into, optional)] disabled: Signal<bool>,
    /// Attach click handlers with `on:click` on the component: Leptos forwards them.
    children: Children,
) -> impl IntoView {
    let mut class = String::from("govuk-button");
    match kind {
        ButtonKind::Primary => {}
        ButtonKind::Secondary => class.push_str(" govuk-button--secondary"),
        ButtonKind::Warning => class.push_str(" govuk-button--warning"),
    }
    if start {
        class.push_str(" govuk-button--start");
    }
    let icon = start.then(|| {
        view! {
            <svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"></path>
            </svg>
        }
    });
    match href {
        Some(href) => view! {
            <a href=href role="button" draggable="false" class=class data-module="govuk-button">
                {children()}
                {icon}
            </a>
        }
        .into_any(),
        None => view! {
            <button
                type=button_type
                class=class
                data-module="govuk-button"
                disabled=move || disabled.get()
                aria-disabled=move || disabled.get().then_some("true")
            >
                {children()}
                {icon}
            </button>
        }
        .into_any(),
    }
}
