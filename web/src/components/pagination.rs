//! GOV.UK Frontend's pagination (`govuk-pagination`) for long lists (records, users, audit).

use leptos::prelude::*;

/// An entry of the numbered list: a page, or a gap ("⋯").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageItem {
    Page(u32),
    Ellipsis,
}

/// The pages to list, as GOV.UK recommends: always the first and last, the current page and
/// its neighbours, and an ellipsis for every gap. Pages are 1-based.
pub fn page_items(current: u32, total: u32) -> Vec<PageItem> {
    let mut items = Vec::new();
    let mut last_shown = 0;
    for page in 1..=total {
        let shown = page == 1 || page == total || page.abs_diff(current) <= 1;
        if shown {
            if page > last_shown + 1 {
                items.push(PageItem::Ellipsis);
            }
            items.push(PageItem::Page(page));
            last_shown = page;
        }
    }
    items
}

const PREV_ICON: &str = "m6.5938-0.0078125-6.7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z";
const NEXT_ICON: &str = "m8.107-0.0078125-1.4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z";

#[component]
pub fn Pagination(
    /// The page shown, 1-based.
    current: u32,
    /// How many pages there are; nothing is rendered for fewer than two.
    total_pages: u32,
    /// The link to a page, e.g. `|page| format!("/records?page={page}")`.
    href: impl Fn(u32) -> String + 'static,
) -> impl IntoView {
    (total_pages > 1).then(|| {
        let previous = (current > 1).then(|| {
            view! {
                <div class="govuk-pagination__prev">
                    <a class="govuk-link govuk-pagination__link" href=href(current - 1) rel="prev">
                        <svg class="govuk-pagination__icon govuk-pagination__icon--prev" xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13">
                            <path d=PREV_ICON></path>
                        </svg>
                        <span class="govuk-pagination__link-title">
                            "Previous"<span class="govuk-visually-hidden">" page"</span>
                        </span>
                    </a>
                </div>
            }
        });
        let next = (current < total_pages).then(|| {
            view! {
                <div class="govuk-pagination__next">
                    <a class="govuk-link govuk-pagination__link" href=href(current + 1) rel="next">
                        <span class="govuk-pagination__link-title">
                            "Next"<span class="govuk-visually-hidden">" page"</span>
                        </span>
                        <svg class="govuk-pagination__icon govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13">
                            <path d=NEXT_ICON></path>
                        </svg>
                    </a>
                </div>
            }
        });
        let items = page_items(current, total_pages)
            .into_iter()
            .map(|item| match item {
                PageItem::Ellipsis => view! {
                    <li class="govuk-pagination__item govuk-pagination__item--ellipsis">"⋯"</li>
                }
                .into_any(),
                PageItem::Page(page) => {
                    let is_current = page == current;
                    let class = if is_current {
                        "govuk-pagination__item govuk-pagination__item--current"
                    } else {
                        "govuk-pagination__item"
                    };
                    view! {
                        <li class=class>
                            <a
                                class="govuk-link govuk-pagination__link"
                                href=href(page)
                                aria-label=format!("Page {page}")
                                aria-current=is_current.then_some("page")
                            >
                                {page}
                            </a>
                        </li>
                    }
                    .into_any()
                }
            })
            .collect_view();
        view! {
            <nav class="govuk-pagination" aria-label="Pagination">
                {previous}
                <ul class="govuk-pagination__list">{items}</ul>
                {next}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PageItem::{Ellipsis, Page};

    #[test]
    fn few_pages_are_all_listed() {
        assert_eq!(page_items(1, 3), vec![Page(1), Page(2), Page(3)]);
    }

    #[test]
    fn gaps_become_ellipses_around_the_current_page() {
        assert_eq!(
            page_items(10, 40),
            vec![
                Page(1),
                Ellipsis,
                Page(9),
                Page(10),
                Page(11),
                Ellipsis,
                Page(40)
            ]
        );
    }

    #[test]
    fn no_ellipsis_for_a_gap_of_nothing() {
        assert_eq!(
            page_items(3, 5),
            vec![Page(1), Page(2), Page(3), Page(4), Page(5)]
        );
    }
}
