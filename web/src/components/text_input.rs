//! GOV.UK Frontend's text input (`govuk-input`) with its label, hint and error message, and
//! the textarea (`govuk-textarea`), which shares the same form-group shape.
//!
//! A required field's label ends with an asterisk (the fact sheet's "mandatory fields marked
//! with *"); the asterisk is hidden from screen readers, which hear `aria-required` instead.

use leptos::prelude::*;

/// The label's text with the asterisk of a mandatory field.
pub fn label_text(text: String, required: bool) -> impl IntoView {
    view! {
        {text}
        {required.then(|| view! { <span class="s117-required" aria-hidden="true">"*"</span> })}
    }
}

/// The `aria-describedby` of a field: its hint and, while shown, its error message.
pub(crate) fn described_by(
    hint_id: Option<String>,
    error_id: String,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || {
        let ids: Vec<&str> = hint_id
            .as_deref()
            .into_iter()
            .chain(error.with(Option::is_some).then_some(error_id.as_str()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

pub(crate) fn group_class(error: Signal<Option<String>>) -> impl Fn() -> &'static str + Copy {
    move || {
        if error.with(Option::is_some) {
            "govuk-form-group govuk-form-group--error"
        } else {
            "govuk-form-group"
        }
    }
}

#[component]
pub fn TextInput(
    /// The input's id (an error summary links to it) and, unless `name` is given, its name.
    #[prop(into)]
    id: String,
    #[prop(into, optional)] name: Option<String>,
    #[prop(into)] label: String,
    /// Extra label classes, e.g. `govuk-label--m`.
    #[prop(into, optional)]
    label_class: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    value: RwSignal<String>,
    /// Marks the field mandatory (asterisk and `aria-required`).
    #[prop(optional)]
    required: bool,
    /// A width class such as `govuk-input--width-10`.
    #[prop(into, optional)]
    width: Option<&'static str>,
    /// `type`: `text` unless told (`search`).
    #[prop(optional, default = "text")]
    input_type: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// `spellcheck="false"` for names, numbers and codes.
    #[prop(optional)]
    no_spellcheck: bool,
) -> impl IntoView {
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let describedby = described_by(hint_id.clone(), error_id.clone(), error);
    let input_class = move || {
        let mut class = String::from("govuk-input");
        if error.with(Option::is_some) {
            class.push_str(" govuk-input--error");
        }
        if let Some(width) = width {
            class.push(' ');
            class.push_str(width);
        }
        class
    };
    let label_class = match label_class {
        Some(extra) => format!("govuk-label {extra}"),
        None => "govuk-label".to_owned(),
    };
    let name = name.unwrap_or_else(|| id.clone());
    view! {
        <div class=group_class(error)>
            <label class=label_class for=id.clone()>{label_text(label, required)}</label>
            {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
            {move || error.get().map(|text| view! { <super::ErrorMessage id=error_id.clone() text=text /> })}
            <input
                class=input_class
                id=id
                name=name
                type=input_type
                inputmode=inputmode
                autocomplete=autocomplete
                spellcheck=no_spellcheck.then_some("false")
                aria-required=required.then_some("true")
                aria-describedby=describedby
                bind:value=value
            />
        </div>
    }
}

#[component]
pub fn Textarea(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    value: RwSignal<String>,
    #[prop(optional, default = 5)] rows: u32,
) -> impl IntoView {
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let describedby = described_by(hint_id.clone(), error_id.clone(), error);
    let class = move || {
        if error.with(Option::is_some) {
            "govuk-textarea govuk-textarea--error"
        } else {
            "govuk-textarea"
        }
    };
    view! {
        <div class=group_class(error)>
            <label class="govuk-label" for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
            {move || error.get().map(|text| view! { <super::ErrorMessage id=error_id.clone() text=text /> })}
            <textarea
                class=class
                id=id.clone()
                name=id
                rows=rows
                aria-describedby=describedby
                bind:value=value
            ></textarea>
        </div>
    }
}
