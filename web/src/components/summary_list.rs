//! GOV.UK Frontend's summary list (`govuk-summary-list`): key/value rows, each with optional
//! actions ("Change"), used to show a record.

use leptos::prelude::*;

/// An action link on a row, e.g. "Change" with hidden text "date of birth", which screen
/// readers read as "Change date of birth".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryAction {
    pub text: String,
    pub href: String,
    pub visually_hidden_text: String,
}

/// One row: a key, its value (any view, e.g. an address over several lines) and actions.
pub struct SummaryRow {
    pub key: String,
    pub value: AnyView,
    pub actions: Vec<SummaryAction>,
}

impl SummaryRow {
    /// A row whose value is plain text.
    pub fn text(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into().into_any(),
            actions: Vec::new(),
        }
    }

    /// Adds an action link to the row.
    pub fn with_action(
        mut self,
        text: impl Into<String>,
        href: impl Into<String>,
        visually_hidden_text: impl Into<String>,
    ) -> Self {
        self.actions.push(SummaryAction {
            text: text.into(),
            href: href.into(),
            visually_hidden_text: visually_hidden_text.into(),
        });
        self
    }
}

fn action_link(action: SummaryAction) -> impl IntoView {
    view! {
        <a class="govuk-link" href=action.href>
            {action.text}
            <span class="govuk-visually-hidden">" "{action.visually_hidden_text}</span>
        </a>
    }
}

#[component]
pub fn SummaryList(rows: Vec<SummaryRow>) -> impl IntoView {
    // GOV.UK: when some rows have actions, the others are marked so the columns still line up.
    let any_actions = rows.iter().any(|row| !row.actions.is_empty());
    let rows = rows
        .into_iter()
        .map(|SummaryRow { key, value, mut actions }| {
            let class = if any_actions && actions.is_empty() {
                "govuk-summary-list__row govuk-summary-list__row--no-actions"
            } else {
                "govuk-summary-list__row"
            };
            // One action is a bare link; several are a list.
            let actions = match actions.len() {
                0 => None,
                1 => Some(action_link(actions.remove(0)).into_any()),
                _ => Some(
                    view! {
                        <ul class="govuk-summary-list__actions-list">
                            {actions
                                .into_iter()
                                .map(|action| {
                                    view! {
                                        <li class="govuk-summary-list__actions-list-item">
                                            {action_link(action)}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                ),
            };
            view! {
                <div class=class>
                    <dt class="govuk-summary-list__key">{key}</dt>
                    <dd class="govuk-summary-list__value">{value}</dd>
                    {actions.map(|actions| view! { <dd class="govuk-summary-list__actions">{actions}</dd> })}
                </div>
            }
        })
        .collect_view();
    view! { <dl class="govuk-summary-list">{rows}</dl> }
}
