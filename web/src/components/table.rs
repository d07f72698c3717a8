//! GOV.UK Frontend's table (`govuk-table`): always with a caption (it names the table for
//! screen readers), numbers right-aligned so they line up by place value.

use leptos::prelude::*;

/// A header cell of the `<thead>` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadCell {
    pub text: String,
    /// Right-align the column's heading to sit over its numbers.
    pub numeric: bool,
}

impl HeadCell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            numeric: false,
        }
    }

    pub fn numeric(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            numeric: true,
        }
    }
}

/// A body cell: any content (text, a link), right-aligned when numeric.
pub struct Cell {
    pub content: AnyView,
    pub numeric: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: text.into().into_any(),
            numeric: false,
        }
    }

    pub fn numeric(text: impl Into<String>) -> Self {
        Self {
            content: text.into().into_any(),
            numeric: true,
        }
    }

    /// A cell holding any view, e.g. a "View" link.
    pub fn view(content: impl IntoView + 'static) -> Self {
        Self {
            content: content.into_any(),
            numeric: false,
        }
    }
}

#[component]
pub fn Table(
    /// What the table shows; read first by screen readers.
    #[prop(into)]
    caption: String,
    /// Caption size class, e.g. `govuk-table__caption--m`.
    #[prop(into, optional)]
    caption_class: Option<String>,
    /// Column headings.
    #[prop(optional)]
    head: Vec<HeadCell>,
    /// The rows.
    rows: Vec<Vec<Cell>>,
    /// Make each row's first cell a row header (`<th scope="row">`).
    #[prop(optional)]
    first_cell_is_header: bool,
) -> impl IntoView {
    let caption_class = match caption_class {
        Some(extra) => format!("govuk-table__caption {extra}"),
        None => "govuk-table__caption".to_owned(),
    };
    let head = (!head.is_empty()).then(|| {
        let cells = head
            .into_iter()
            .map(|HeadCell { text, numeric }| {
                let class = if numeric {
                    "govuk-table__header govuk-table__header--numeric"
                } else {
                    "govuk-table__header"
                };
                view! { <th scope="col" class=class>{text}</th> }
            })
            .collect_view();
        view! {
            <thead class="govuk-table__head">
                <tr class="govuk-table__row">{cells}</tr>
            </thead>
        }
    });
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .into_iter()
                .enumerate()
                .map(|(index, Cell { content, numeric })| {
                    if index == 0 && first_cell_is_header {
                        view! { <th scope="row" class="govuk-table__header">{content}</th> }
                            .into_any()
                    } else {
                        let class = if numeric {
                            "govuk-table__cell govuk-table__cell--numeric"
                        } else {
                            "govuk-table__cell"
                        };
                        view! { <td class=class>{content}</td> }.into_any()
                    }
                })
                .collect_view();
            view! { <tr class="govuk-table__row">{cells}</tr> }
        })
        .collect_view();

    view! {
        <table class="govuk-table">
            <caption class=caption_class>{caption}</caption>
            {head}
            <tbody class="govuk-table__body">{rows}</tbody>
        </table>
    }
}
