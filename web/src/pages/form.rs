//! What the sign-in and administration forms share: their errors (from the shared crate's
//! validation in the browser, or from the API's 422 `errors` keyed by field), shown as
//! GOV.UK does, once in the error summary and again beside each field, and a few GOV.UK
//! fields (text input, radios and checkboxes with hints) bound to signals.

use leptos::prelude::*;
use s117_shared::problem::Problem;
use s117_shared::validation::FieldErrors;

use crate::api::ApiError;
use crate::components::{ErrorItem, ErrorMessage};

/// The element id of a field named `field` (`new_password` → `new-password`).
pub fn field_id(field: &str) -> String {
    field.replace('_', "-")
}

/// A form's errors: `(field, message)` pairs in the order of the page's fields, plus errors
/// about the whole form (field `""`). Copy: one arena signal.
#[derive(Clone, Copy)]
pub struct FormErrors {
    errors: RwSignal<Vec<(String, String)>>,
    /// The page's fields, in order: errors are listed in this order, and an error about a
    /// field not on the page is shown as one about the whole form.
    fields: &'static [&'static str],
}

impl FormErrors {
    pub fn new(fields: &'static [&'static str]) -> Self {
        Self {
            errors: RwSignal::new(Vec::new()),
            fields,
        }
    }

    pub fn clear(&self) {
        self.errors.set(Vec::new());
    }

    /// Replaces the errors with `errors` (the shared crate's validation). True if any.
    pub fn set_fields(&self, errors: FieldErrors) -> bool {
        let mut list: Vec<(String, String)> = errors
            .iter()
            .map(|(field, message)| (field.to_owned(), message.to_owned()))
            .collect();
        self.order(&mut list);
        let any = !list.is_empty();
        self.errors.set(list);
        any
    }

    /// One error about the whole form.
    pub fn set_general(&self, message: impl Into<String>) {
        self.errors.set(vec![(String::new(), message.into())]);
    }

    /// One error about one field.
    pub fn set_field(&self, field: &str, message: impl Into<String>) {
        self.errors.set(vec![(field.to_owned(), message.into())]);
    }

    /// Shows what the API said: its `errors` by field, else its `detail`.
    pub fn set_problem(&self, problem: &Problem) {
        if problem.errors.is_empty() {
            self.set_general(
                problem
                    .detail
                    .clone()
                    .unwrap_or_else(|| problem.title.clone()),
            );
        } else {
            let mut list: Vec<(String, String)> = problem
                .errors
                .iter()
                .map(|(field, message)| (field.clone(), message.clone()))
                .collect();
            self.order(&mut list);
            self.errors.set(list);
        }
    }

    /// Shows an API failure (401s never get here: the session handles them).
    pub fn set_api_error(&self, error: &ApiError) {
        match error {
            ApiError::Problem(problem) => self.set_problem(problem),
            ApiError::Unavailable => self.set_general(
                "Sorry, there is a problem with the service. Try again later.",
            ),
            ApiError::Unexpected { .. } => self.set_general(
                "Sorry, something went wrong. Try again; if it keeps happening, contact your helpdesk.",
            ),
        }
    }

    fn order(&self, list: &mut [(String, String)]) {
        let rank = |field: &str| {
            self.fields
                .iter()
                .position(|known| *known == field)
                .unwrap_or(usize::MAX)
        };
        list.sort_by_key(|(field, _)| rank(field));
    }

    /// True while any error is shown. Reactive.
    pub fn any(&self) -> bool {
        self.errors.with(|errors| !errors.is_empty())
    }

    /// The message beside `field`, if any.
    pub fn for_field(&self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.errors;
        Signal::derive(move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, message)| message.clone())
            })
        })
    }

    /// The error summary's entries: linked to their field when it is on the page.
    pub fn items(&self) -> Signal<Vec<ErrorItem>> {
        let errors = self.errors;
        let fields = self.fields;
        Signal::derive(move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .map(|(field, message)| {
                        if fields.contains(&field.as_str()) {
                            ErrorItem::field(field_id(field), message.clone())
                        } else {
                            ErrorItem::general(message.clone())
                        }
                    })
                    .collect()
            })
        })
    }
}

/// The error summary of a form, shown only while it has errors.
#[component]
pub fn FormErrorSummary(errors: FormErrors) -> impl IntoView {
    move || {
        errors
            .any()
            .then(|| view! { <crate::components::ErrorSummary errors=errors.items() /> })
    }
}

fn group_class(error: Signal<Option<String>>) -> impl Fn() -> &'static str + Copy {
    move || {
        if error.with(Option::is_some) {
            "govuk-form-group govuk-form-group--error"
        } else {
            "govuk-form-group"
        }
    }
}

fn described_by(
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

/// A GOV.UK text input (`govuk-input`) with label, hint and error, bound to `value`. The
/// input's id is [`field_id`] of `field`, its name `field`.
#[component]
pub fn Field(
    field: &'static str,
    #[prop(into)] label: String,
    #[prop(into, optional)] hint: Option<String>,
    errors: FormErrors,
    value: RwSignal<String>,
    #[prop(optional, default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// A width class such as `govuk-input--width-10`.
    #[prop(optional)]
    width: Option<&'static str>,
    #[prop(optional)] no_spellcheck: bool,
    /// Another element describing the input (the password checklist).
    #[prop(optional)]
    extra_describedby: Option<&'static str>,
) -> impl IntoView {
    let id = field_id(field);
    let error = errors.for_field(field);
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let base = described_by(hint_id.clone(), error_id.clone(), error);
    let describedby = move || {
        let ids: Vec<String> = base()
            .into_iter()
            .chain(extra_describedby.map(str::to_owned))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let class = move || {
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
    view! {
        <div class=group_class(error)>
            <label class="govuk-label" for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
            {move || error.get().map(|text| view! { <ErrorMessage id=error_id.clone() text=text /> })}
            <input
                class=class
                id=id
                name=field
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck=no_spellcheck.then_some("false")
                aria-describedby=describedby
                bind:value=value
            />
        </div>
    }
}

/// One choice of a radios or checkboxes group: value, label and an optional hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
}

/// GOV.UK radios (`govuk-radios`) with a hint per option, bound to `value`. The first radio's
/// id is [`field_id`] of `field` (the error summary links there), the others `<id>-2`…
#[component]
pub fn RadioGroup(
    field: &'static str,
    #[prop(into)] legend: String,
    #[prop(into, optional)] hint: Option<String>,
    errors: FormErrors,
    value: RwSignal<String>,
    choices: Vec<Choice>,
) -> impl IntoView {
    choice_group(field, legend, hint, errors, choices, Kind::Radio(value))
}

/// GOV.UK checkboxes (`govuk-checkboxes`) with a hint per option; `checked` holds the values
/// ticked.
#[component]
pub fn CheckboxGroup(
    field: &'static str,
    #[prop(into)] legend: String,
    #[prop(into, optional)] hint: Option<String>,
    errors: FormErrors,
    checked: RwSignal<Vec<String>>,
    choices: Vec<Choice>,
) -> impl IntoView {
    choice_group(field, legend, hint, errors, choices, Kind::Check(checked))
}

#[derive(Clone, Copy)]
enum Kind {
    Radio(RwSignal<String>),
    Check(RwSignal<Vec<String>>),
}

fn choice_group(
    field: &'static str,
    legend: String,
    hint: Option<String>,
    errors: FormErrors,
    choices: Vec<Choice>,
    kind: Kind,
) -> impl IntoView {
    let id = field_id(field);
    let error = errors.for_field(field);
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let describedby = described_by(hint_id.clone(), error_id.clone(), error);
    let (prefix, group_class_name) = match kind {
        Kind::Radio(_) => ("govuk-radios", "govuk-radios"),
        Kind::Check(_) => ("govuk-checkboxes", "govuk-checkboxes"),
    };
    let items = choices
        .into_iter()
        .enumerate()
        .map(|(index, Choice { value, label, hint })| {
            let input_id = if index == 0 {
                id.clone()
            } else {
                format!("{id}-{}", index + 1)
            };
            let item_hint_id = format!("{input_id}-item-hint");
            let has_hint = hint.is_some();
            let input = match kind {
                Kind::Radio(current) => {
                    let v = value.clone();
                    let v2 = value.clone();
                    view! {
                        <input
                            class="govuk-radios__input"
                            id=input_id.clone()
                            name=field
                            type="radio"
                            value=value.clone()
                            aria-describedby=has_hint.then(|| item_hint_id.clone())
                            prop:checked=move || current.with(|c| *c == v)
                            on:change=move |_| current.set(v2.clone())
                        />
                    }
                    .into_any()
                }
                Kind::Check(checked) => {
                    let v = value.clone();
                    let v2 = value.clone();
                    view! {
                        <input
                            class="govuk-checkboxes__input"
                            id=input_id.clone()
                            name=field
                            type="checkbox"
                            value=value.clone()
                            aria-describedby=has_hint.then(|| item_hint_id.clone())
                            prop:checked=move || checked.with(|c| c.contains(&v))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                checked.update(|c| {
                                    c.retain(|x| *x != v2);
                                    if on {
                                        c.push(v2.clone());
                                    }
                                });
                            }
                        />
                    }
                    .into_any()
                }
            };
            let item_class = format!("{prefix}__item");
            let label_class = format!("govuk-label {prefix}__label");
            let hint_class = format!("govuk-hint {prefix}__hint");
            view! {
                <div class=item_class>
                    {input}
                    <label class=label_class for=input_id>{label}</label>
                    {hint.map(|hint| view! { <div id=item_hint_id class=hint_class>{hint}</div> })}
                </div>
            }
        })
        .collect_view();
    let data_module = group_class_name;
    view! {
        <div class=group_class(error)>
            <fieldset class="govuk-fieldset" aria-describedby=describedby>
                <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{legend}</legend>
                {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
                {move || error.get().map(|text| view! { <ErrorMessage id=error_id.clone() text=text /> })}
                <div class=group_class_name data-module=data_module>{items}</div>
            </fieldset>
        </div>
    }
}

/// A date and time for people, in the browser's time zone: "3 March 2025 at 14:05".
pub fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let local = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    format!(
        "{} {} {} at {:02}:{:02}",
        local.get_date(),
        MONTHS[(local.get_month() as usize).min(11)],
        local.get_full_year(),
        local.get_hours(),
        local.get_minutes()
    )
}

/// [`when`] for an optional time, with a word for never.
pub fn when_or(at: Option<&chrono::DateTime<chrono::Utc>>, never: &str) -> String {
    at.map(when).unwrap_or_else(|| never.to_owned())
}
