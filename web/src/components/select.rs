//! GOV.UK Frontend's select (`govuk-select`), and a searchable variant for long lists (local
//! authorities, commissioners): a search box above the select narrows the options.
//!
//! The searchable variant keeps both controls native (a text input and a select, each with
//! its own label), so it works with every screen reader and with the keyboard alone; a
//! visually hidden live region says how many options match as the user types.

use leptos::prelude::*;

use super::text_input::{described_by, group_class, label_text};

/// One option: the submitted value and what the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectOption {
    pub value: String,
    pub text: String,
    /// Other words the search box matches (codes, former names).
    pub keywords: String,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            text: text.into(),
            keywords: String::new(),
        }
    }
}

fn option_views(
    options: Vec<SelectOption>,
    value: RwSignal<String>,
    placeholder: Option<String>,
) -> impl IntoView {
    let placeholder = placeholder.map(|text| {
        view! { <option value="" prop:selected=move || value.with(String::is_empty)>{text}</option> }
    });
    let options = options
        .into_iter()
        .map(|SelectOption { value: v, text, .. }| {
            let selected = {
                let v = v.clone();
                move || value.with(|current| *current == v)
            };
            view! { <option value=v prop:selected=selected>{text}</option> }
        })
        .collect_view();
    view! { {placeholder} {options} }
}

#[component]
pub fn Select(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into, optional)] label_class: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<SelectOption>>,
    /// The first, empty option ("Select a gender"); none when the list has a default.
    #[prop(into, optional)]
    placeholder: Option<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let describedby = described_by(hint_id.clone(), error_id.clone(), error);
    let class = move || {
        if error.with(Option::is_some) {
            "govuk-select govuk-select--error"
        } else {
            "govuk-select"
        }
    };
    let label_class = match label_class {
        Some(extra) => format!("govuk-label {extra}"),
        None => "govuk-label".to_owned(),
    };
    view! {
        <div class=group_class(error)>
            <label class=label_class for=id.clone()>{label_text(label, required)}</label>
            {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
            {move || error.get().map(|text| view! { <super::ErrorMessage id=error_id.clone() text=text /> })}
            <select
                class=class
                id=id.clone()
                name=id
                aria-required=required.then_some("true")
                aria-describedby=describedby
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {move || option_views(options.get(), value, placeholder.clone())}
            </select>
        </div>
    }
}

/// A select for a long list with a search box above it.
#[component]
pub fn SearchableSelect(
    /// The select's id; the search box is `<id>-search`.
    #[prop(into)]
    id: String,
    #[prop(into)] label: String,
    /// The search box's label, e.g. "Search local authorities".
    #[prop(into)]
    search_label: String,
    #[prop(into, optional)] error: Signal<Option<String>>,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<SelectOption>>,
    #[prop(into)] placeholder: String,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let search_id = format!("{id}-search");
    let status_id = format!("{id}-status");
    let describedby = described_by(Some(hint_id.clone()), error_id.clone(), error);
    let class = move || {
        if error.with(Option::is_some) {
            "govuk-select govuk-select--error"
        } else {
            "govuk-select"
        }
    };
    // The options matching every word typed; the chosen one always stays, so a search never
    // silently changes the answer.
    let matching = Memo::new(move |_| {
        let words: Vec<String> = search
            .get()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let current = value.get();
        options.with(|options| {
            options
                .iter()
                .filter(|option| {
                    option.value == current || {
                        let haystack =
                            format!("{} {} {}", option.text, option.value, option.keywords)
                                .to_lowercase();
                        words.iter().all(|word| haystack.contains(word.as_str()))
                    }
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let status = move || {
        if search.with(|s| s.trim().is_empty()) {
            String::new()
        } else {
            match matching.with(Vec::len) {
                1 => "1 option matches".to_owned(),
                n => format!("{n} options match"),
            }
        }
    };
    view! {
        <div class=group_class(error)>
            <label class="govuk-label" for=id.clone()>{label_text(label, required)}</label>
            <div id=hint_id class="govuk-hint">
                "Type part of the name or code in the search box to narrow the list, then choose from it."
            </div>
            {move || error.get().map(|text| view! { <super::ErrorMessage id=error_id.clone() text=text /> })}
            <div class="s117-select-search">
                <label class="govuk-label govuk-label--s s117-select-search__label" for=search_id.clone()>
                    {search_label}
                </label>
                <input
                    class="govuk-input govuk-!-width-two-thirds"
                    id=search_id
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    aria-controls=id.clone()
                    bind:value=search
                />
                <p id=status_id class="govuk-visually-hidden" aria-live="polite">{status}</p>
            </div>
            <select
                class=class
                id=id.clone()
                name=id
                aria-required=required.then_some("true")
                aria-describedby=describedby
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {move || option_views(matching.get(), value, Some(placeholder.clone()))}
            </select>
        </div>
    }
}
