//! GOV.UK Frontend's radios (`govuk-radios`) and a single small checkbox
//! (`govuk-checkboxes--small`, for a filter such as "Include ended entitlements").

use leptos::prelude::*;

use super::text_input::{described_by, group_class, label_text};

#[component]
pub fn Radios(
    /// The first radio's id (an error summary links to it); the others are `<id>-2`, `<id>-3`…
    /// as GOV.UK numbers them.
    #[prop(into)]
    id: String,
    #[prop(into)] legend: String,
    #[prop(into, optional)] legend_class: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    value: RwSignal<String>,
    /// (value, label) pairs.
    options: Vec<(&'static str, &'static str)>,
    #[prop(optional)] inline: bool,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let describedby = described_by(hint_id.clone(), error_id.clone(), error);
    let legend_class = match legend_class {
        Some(extra) => format!("govuk-fieldset__legend {extra}"),
        None => "govuk-fieldset__legend govuk-fieldset__legend--s".to_owned(),
    };
    let radios_class = if inline {
        "govuk-radios govuk-radios--inline"
    } else {
        "govuk-radios"
    };
    let items = options
        .into_iter()
        .enumerate()
        .map(|(index, (v, text))| {
            let input_id = if index == 0 {
                id.clone()
            } else {
                format!("{id}-{}", index + 1)
            };
            view! {
                <div class="govuk-radios__item">
                    <input
                        class="govuk-radios__input"
                        id=input_id.clone()
                        name=id.clone()
                        type="radio"
                        value=v
                        prop:checked=move || value.with(|current| current == v)
                        on:change=move |_| value.set(v.to_owned())
                    />
                    <label class="govuk-label govuk-radios__label" for=input_id>{text}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class=group_class(error)>
            <fieldset class="govuk-fieldset" aria-describedby=describedby>
                <legend class=legend_class>{label_text(legend, required)}</legend>
                {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
                {move || error.get().map(|text| view! { <super::ErrorMessage id=error_id.clone() text=text /> })}
                <div class=radios_class data-module="govuk-radios">{items}</div>
            </fieldset>
        </div>
    }
}

/// One small checkbox with its label, bound to a bool.
#[component]
pub fn Checkbox(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] value_text: String,
    #[prop(into)] label: String,
    checked: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
            <div class="govuk-checkboxes__item">
                <input
                    class="govuk-checkboxes__input"
                    id=id.clone()
                    name=name
                    type="checkbox"
                    value=value_text
                    prop:checked=move || checked.get()
                    on:change=move |ev| checked.set(event_target_checked(&ev))
                />
                <label class="govuk-label govuk-checkboxes__label" for=id>{label}</label>
            </div>
        </div>
    }
}
