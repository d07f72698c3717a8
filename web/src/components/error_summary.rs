//! GOV.UK Frontend's error summary (`govuk-error-summary`).
//!
//! Shown at the top of a form that failed validation, titled "There is a problem", with one
//! link per error to the field concerned. Like GOV.UK's script it takes focus when shown
//! (and again each time the errors change), so screen-reader users hear it at once, and its
//! links focus the field instead of navigating.

use leptos::prelude::*;
use web_sys::HtmlElement;

use super::focus::{focus_by_id, focus_temporarily};

/// One entry of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// The message, the same words as beside the field.
    pub text: String,
    /// The id of the field to focus (without `#`): for a date, its first input
    /// (`date-of-birth-day`). `None` for an error that belongs to no one field.
    pub field_id: Option<String>,
}

impl ErrorItem {
    /// An error about the field with `field_id`.
    pub fn field(field_id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            field_id: Some(field_id.into()),
        }
    }

    /// An error about the whole form.
    pub fn general(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            field_id: None,
        }
    }
}

#[component]
pub fn ErrorSummary(
    /// The errors, in the order of the fields on the page.
    #[prop(into)]
    errors: Signal<Vec<ErrorItem>>,
    /// Optional text between the title and the list.
    #[prop(into, optional)]
    description: Option<String>,
) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    // Runs after mount and after every change of `errors`.
    Effect::new(move |_| {
        if errors.with(|errors| !errors.is_empty()) {
            if let Some(root) = root.get() {
                let root: &HtmlElement = &root;
                focus_temporarily(root, None);
            }
        }
    });

    let items = move || {
        errors
            .get()
            .into_iter()
            .map(|ErrorItem { text, field_id }| match field_id {
                Some(id) => {
                    let href = format!("#{id}");
                    let on_click = move |ev: leptos::ev::MouseEvent| {
                        if focus_by_id(&id, None) {
                            ev.prevent_default();
                        }
                    };
                    view! { <li><a href=href on:click=on_click>{text}</a></li> }.into_any()
                }
                None => view! { <li>{text}</li> }.into_any(),
            })
            .collect_view()
    };

    view! {
        <div class="govuk-error-summary" data-module="govuk-error-summary" node_ref=root>
            <div role="alert">
                <h2 class="govuk-error-summary__title">"There is a problem"</h2>
                <div class="govuk-error-summary__body">
                    {description.map(|text| view! { <p>{text}</p> })}
                    <ul class="govuk-list govuk-error-summary__list">{items}</ul>
                </div>
            </div>
        </div>
    }
}
