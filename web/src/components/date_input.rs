//! GOV.UK Frontend's date input (`govuk-date-input`): a date as three boxes, day, month and
//! year, inside a fieldset whose legend asks the question.
//!
//! The component only renders and binds the three strings; turning them into a date (and
//! the wording of the errors) is the domain's job in `s117-shared`, so the browser and the
//! API's 422 say the same thing.

use leptos::prelude::*;

/// The three boxes' contents, as typed.
#[derive(Debug, Clone, Copy)]
pub struct DateFields {
    pub day: RwSignal<String>,
    pub month: RwSignal<String>,
    pub year: RwSignal<String>,
}

impl DateFields {
    /// Three empty boxes.
    pub fn new() -> Self {
        Self::with_values("", "", "")
    }

    /// Boxes pre-filled (e.g. when editing a record).
    pub fn with_values(day: &str, month: &str, year: &str) -> Self {
        Self {
            day: RwSignal::new(day.to_owned()),
            month: RwSignal::new(month.to_owned()),
            year: RwSignal::new(year.to_owned()),
        }
    }
}

impl Default for DateFields {
    fn default() -> Self {
        Self::new()
    }
}

/// Which of the three boxes an error is about: GOV.UK highlights only the boxes the user
/// must fix ("Date of birth must include a month" → only the month box).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParts {
    pub day: bool,
    pub month: bool,
    pub year: bool,
}

impl DateParts {
    pub const ALL: DateParts = DateParts {
        day: true,
        month: true,
        year: true,
    };
}

impl Default for DateParts {
    fn default() -> Self {
        Self::ALL
    }
}

#[component]
pub fn DateInput(
    /// Id of the `govuk-date-input` div; the boxes get `<id>-day`, `<id>-month`, `<id>-year`
    /// (link an error summary entry to `<id>-day`).
    #[prop(into)]
    id: String,
    /// The question, e.g. "Date of birth".
    #[prop(into)]
    legend: String,
    /// Extra legend classes, e.g. `govuk-fieldset__legend--m`.
    #[prop(into, optional)]
    legend_class: Option<String>,
    /// Hint text, e.g. "For example, 27 3 2007".
    #[prop(into, optional)]
    hint: Option<String>,
    /// Prefix of the boxes' `name`s (`<prefix>-day`); plain `day`/`month`/`year` without.
    #[prop(into, optional)]
    name_prefix: Option<String>,
    /// The error message shown above the boxes, if any.
    #[prop(into, optional)]
    error: Signal<Option<String>>,
    /// Which boxes the error is about (all of them unless told otherwise).
    #[prop(into, optional)]
    error_parts: Signal<DateParts>,
    /// The boxes' contents, bound both ways.
    #[prop(optional)]
    fields: DateFields,
) -> impl IntoView {
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let ids: Vec<&str> = hint_id
                .as_deref()
                .into_iter()
                .chain(error.with(Option::is_some).then_some(error_id.as_str()))
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let group_class = move || {
        if error.with(Option::is_some) {
            "govuk-form-group govuk-form-group--error"
        } else {
            "govuk-form-group"
        }
    };
    let legend_class = match legend_class {
        Some(extra) => format!("govuk-fieldset__legend {extra}"),
        None => "govuk-fieldset__legend".to_owned(),
    };

    let item = |part: &'static str, label: &'static str, width: u8, value: RwSignal<String>| {
        let input_id = format!("{id}-{part}");
        let name = match &name_prefix {
            Some(prefix) => format!("{prefix}-{part}"),
            None => part.to_owned(),
        };
        let in_error = move || {
            error.with(Option::is_some)
                && error_parts.with(|parts| match part {
                    "day" => parts.day,
                    "month" => parts.month,
                    _ => parts.year,
                })
        };
        let input_class = move || {
            if in_error() {
                format!("govuk-input govuk-date-input__input govuk-input--error govuk-input--width-{width}")
            } else {
                format!("govuk-input govuk-date-input__input govuk-input--width-{width}")
            }
        };
        // `inputmode="numeric"` brings up the number keypad on phones; `type="number"` is
        // deliberately not used (GOV.UK: it mangles leading zeros and scrolls on wheel).
        view! {
            <div class="govuk-date-input__item">
                <div class="govuk-form-group">
                    <label class="govuk-label govuk-date-input__label" for=input_id.clone()>
                        {label}
                    </label>
                    <input
                        class=input_class
                        id=input_id
                        name=name
                        type="text"
                        inputmode="numeric"
                        bind:value=value
                    />
                </div>
            </div>
        }
    };
    let day = item("day", "Day", 2, fields.day);
    let month = item("month", "Month", 2, fields.month);
    let year = item("year", "Year", 4, fields.year);

    view! {
        <div class=group_class>
            <fieldset class="govuk-fieldset" role="group" aria-describedby=described_by>
                <legend class=legend_class>{legend}</legend>
                {hint.map(|hint| view! { <div id=hint_id class="govuk-hint">{hint}</div> })}
                {move || {
                    error
                        .get()
                        .map(|text| {
                            view! { <super::ErrorMessage id=error_id.clone() text=text /> }
                        })
                }}
                <div class="govuk-date-input" id=id.clone()>
                    {day}
                    {month}
                    {year}
                </div>
            </fieldset>
        </div>
    }
}
