//! Manage Records (`/records`): search the register, page through it, sort it, and go to a
//! record. The URL holds the whole state (`q`, `status`, `page`, `per_page`, `sort`), so
//! back, forward, refresh and a shared link all show the same list.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::dates::format_uk;
use s117_shared::page::{Page, PAGE_SIZES};
use s117_shared::permissions::Permission;
use s117_shared::record_view::{RecordStatus, RecordSummary};

use crate::components::{
    BannerKind, Button, ButtonKind, Checkbox, NotificationBanner, PageTitle, Pagination, Select,
    SelectOption, TextInput,
};
use crate::session::{use_session, RequireSignIn};

use super::form::spaced_nhs;
use super::{full_name, load_problem, take_flash, when_allowed};

/// The list's default page size.
const DEFAULT_PER_PAGE: u32 = 25;

/// What the URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub q: String,
    /// `active` (default), `ended` or `all`.
    pub status: String,
    pub page: u32,
    pub per_page: u32,
    /// A key of `SORT_KEYS`, `-` first for descending; empty for the API's order.
    pub sort: String,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            q: String::new(),
            status: "active".to_owned(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            sort: String::new(),
        }
    }
}

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

impl ListQuery {
    /// The query string, defaults left out (`q=harbour&status=all`).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", encode(self.q.trim())));
        }
        if self.status != "active" {
            parts.push(format!("status={}", encode(&self.status)));
        }
        if self.page != 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            parts.push(format!("per_page={}", self.per_page));
        }
        if !self.sort.is_empty() {
            parts.push(format!("sort={}", encode(&self.sort)));
        }
        parts.join("&")
    }

    /// This page's address.
    pub fn href(&self) -> String {
        match self.to_query() {
            query if query.is_empty() => "/records".to_owned(),
            query => format!("/records?{query}"),
        }
    }

    /// The API's address for this list (always with status, page and size).
    pub fn api_path(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", encode(self.q.trim())));
        }
        parts.push(format!("status={}", encode(&self.status)));
        parts.push(format!("page={}", self.page));
        parts.push(format!("per_page={}", self.per_page));
        if !self.sort.is_empty() {
            parts.push(format!("sort={}", encode(&self.sort)));
        }
        format!("/api/v1/records?{}", parts.join("&"))
    }
}

/// "Showing 1 to 25 of 40 entries".
pub fn showing(page: u32, per_page: u32, total: i64) -> String {
    let total = u64::try_from(total).unwrap_or(0);
    let first = u64::from(page.saturating_sub(1)) * u64::from(per_page) + 1;
    if total == 0 || first > total {
        return format!("Showing 0 to 0 of {total} entries");
    }
    let last = (first + u64::from(per_page) - 1).min(total);
    format!("Showing {first} to {last} of {total} entries")
}

#[component]
pub fn ManageRecordsPage() -> impl IntoView {
    let banner = take_flash("/records");
    view! {
        <RequireSignIn>
            {
                let banner = banner.clone();
                when_allowed(Permission::RecordsView, move || {
                    let banner = banner.clone();
                    view! { <ManageRecords banner=banner /> }.into_any()
                })
            }
        </RequireSignIn>
    }
}

/// The sortable columns: heading and sort key.
const COLUMNS: [(&str, &str); 7] = [
    ("NHS NUMBER", "nhs_number"),
    ("ID", "id"),
    ("NAME", "name"),
    ("D.O.B", "date_of_birth"),
    ("POST CODE", "postcode"),
    ("S117 RESPONSIBLE LOCAL AUTHORITY", "responsible_la"),
    (
        "S117 RESPONSIBLE CLINICAL COMMISSIONERS",
        "responsible_commissioner",
    ),
];

#[component]
fn ManageRecords(banner: Option<String>) -> impl IntoView {
    let session = use_session();
    let navigate = StoredValue::new_local(use_navigate());
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| {
            let default = ListQuery::default();
            let number = |key: &str, fallback: u32| {
                p.get(key)
                    .and_then(|v| v.parse::<u32>().ok())
                    .filter(|n| *n >= 1)
                    .unwrap_or(fallback)
            };
            let per_page = number("per_page", default.per_page);
            ListQuery {
                q: p.get("q").unwrap_or_default(),
                status: p
                    .get("status")
                    .filter(|s| matches!(s.as_str(), "active" | "ended" | "all"))
                    .unwrap_or(default.status),
                page: number("page", 1),
                per_page: if PAGE_SIZES.contains(&per_page) {
                    per_page
                } else {
                    default.per_page
                },
                sort: p
                    .get("sort")
                    .filter(|s| {
                        s117_shared::record_view::SORT_KEYS.contains(&s.trim_start_matches('-'))
                    })
                    .unwrap_or_default(),
            }
        })
    });

    // The search form, kept in step with the URL (back and forward change it).
    let q_input = RwSignal::new(String::new());
    let include_ended = RwSignal::new(false);
    let per_page_input = RwSignal::new(DEFAULT_PER_PAGE.to_string());
    Effect::new(move |_| {
        let query = query.get();
        q_input.set(query.q.clone());
        include_ended.set(query.status == "all");
        per_page_input.set(query.per_page.to_string());
    });

    let results = LocalResource::new(move || {
        let path = query.get().api_path();
        let api = session.api();
        async move { api.get::<Page<RecordSummary>>(&path).await }
    });

    let go = move |next: ListQuery| {
        navigate.try_with_value(|go| go(&next.href(), NavigateOptions::default()));
    };
    let on_search = {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let current = query.get_untracked();
            go(ListQuery {
                q: q_input.get_untracked(),
                status: if include_ended.get_untracked() {
                    "all".to_owned()
                } else if current.status == "ended" {
                    "ended".to_owned()
                } else {
                    "active".to_owned()
                },
                page: 1,
                per_page: per_page_input
                    .get_untracked()
                    .parse()
                    .unwrap_or(DEFAULT_PER_PAGE),
                sort: current.sort,
            });
        }
    };

    let page_sizes: Vec<SelectOption> = PAGE_SIZES
        .iter()
        .map(|n| SelectOption::new(n.to_string(), format!("Show {n} entries")))
        .collect();
    let can_delete = move || session.can(Permission::RecordsDelete);
    let can_create = move || session.can(Permission::RecordsCreate);

    let header = {
        move || {
            let current = query.get();
            let cells = COLUMNS
                .iter()
                .map(|&(text, key)| {
                    let (aria_sort, next) = if current.sort == key {
                        ("ascending", format!("-{key}"))
                    } else if current.sort == format!("-{key}") {
                        ("descending", key.to_owned())
                    } else {
                        ("none", key.to_owned())
                    };
                    let current = current.clone();
                    let on_click = move |_| {
                        go(ListQuery {
                            page: 1,
                            sort: next.clone(),
                            ..current.clone()
                        });
                    };
                    view! {
                        <th scope="col" class="govuk-table__header" aria-sort=aria_sort>
                            <button type="button" class="s117-sort-button" on:click=on_click>
                                {text}
                            </button>
                        </th>
                    }
                })
                .collect_view();
            view! {
                <tr class="govuk-table__row">
                    {cells}
                    <th scope="col" class="govuk-table__header">"ACTIONS"</th>
                </tr>
            }
        }
    };

    let row = move |r: RecordSummary| {
        let name = full_name(&r.first_name, &r.family_name);
        let ended = (r.status == RecordStatus::Ended)
            .then(|| view! { " " <strong class="govuk-tag govuk-tag--grey">"Ended"</strong> });
        let delete = can_delete().then(|| {
            view! {
                <a class="govuk-link" href=format!("/records/{}/delete", r.id)>
                    "Delete"<span class="govuk-visually-hidden">" " {name.clone()}</span>
                </a>
                " "
            }
        });
        view! {
            <tr class="govuk-table__row">
                <td class="govuk-table__cell s117-nowrap">
                    {r.nhs_number.as_deref().map(spaced_nhs).unwrap_or_default()}
                </td>
                <td class="govuk-table__cell">{r.id}</td>
                <td class="govuk-table__cell">{name.clone()}{ended}</td>
                <td class="govuk-table__cell s117-nowrap">{format_uk(r.date_of_birth)}</td>
                <td class="govuk-table__cell s117-nowrap">{r.postcode}</td>
                <td class="govuk-table__cell">{r.responsible_la.name}</td>
                <td class="govuk-table__cell">{r.responsible_commissioner.name}</td>
                <td class="govuk-table__cell s117-nowrap">
                    {delete}
                    <a class="govuk-link" href=format!("/records/{}", r.id)>
                        "View"<span class="govuk-visually-hidden">" " {name}</span>
                    </a>
                </td>
            </tr>
        }
    };

    let table = move || match results.get() {
        None => view! { <p class="govuk-body" aria-busy="true">"Loading records…"</p> }.into_any(),
        Some(Err(error)) => load_problem(&error),
        Some(Ok(page)) => {
            let current = query.get_untracked();
            let total_pages = u32::try_from(
                (page.total.max(0) + i64::from(page.per_page) - 1)
                    / i64::from(page.per_page.max(1)),
            )
            .unwrap_or(u32::MAX);
            let caption = match current.status.as_str() {
                "all" => "All records, active and ended",
                "ended" => "Records whose entitlement has ended",
                _ => "Records with an active S117 entitlement",
            };
            let empty = page.items.is_empty().then(|| {
                view! { <p class="govuk-body">"No records match your search."</p> }
            });
            let rows = page.items.into_iter().map(row).collect_view();
            let for_pages = current.clone();
            view! {
                <table class="govuk-table s117-records-table">
                    <caption class="govuk-table__caption govuk-table__caption--m">{caption}</caption>
                    <thead class="govuk-table__head">{header}</thead>
                    <tbody class="govuk-table__body">{rows}</tbody>
                </table>
                {empty}
                <p class="govuk-body" role="status" id="records-showing">
                    {showing(page.page, page.per_page, page.total)}
                </p>
                <Pagination
                    current=page.page
                    total_pages=total_pages
                    href=move |n| ListQuery { page: n, ..for_pages.clone() }.href()
                />
            }
            .into_any()
        }
    };

    view! {
        <PageTitle text="Manage Records" />
        {banner.map(|heading| view! { <NotificationBanner kind=BannerKind::Success heading=heading /> })}
        <h1 class="govuk-heading-l">"Manage Records"</h1>
        <p class="govuk-body">"Search for your record below to manage it."</p>
        {move || can_create().then(|| view! {
            <p class="govuk-body">
                <a class="govuk-link" href="/records/new">"Submit a new record"</a>
            </p>
        })}
        {move || session.can(Permission::RecordsImport).then(|| view! {
            <p class="govuk-body">
                <a class="govuk-link" href="/records/import">"Add / manage multiple records (CSV file)"</a>
            </p>
        })}
        <form class="s117-search" role="search" aria-label="Records" on:submit=on_search>
            <TextInput id="search" name="q" label="Search" label_class="govuk-label--s"
                hint="Name, NHS number, system ID, register ID or postcode" input_type="search"
                value=q_input width="govuk-!-width-two-thirds" autocomplete="off" no_spellcheck=true />
            <div class="govuk-form-group">
                <Checkbox id="include-ended" name="status" value_text="all"
                    label="Include ended entitlements" checked=include_ended />
            </div>
            <Select id="per-page" label="Entries per page" label_class="govuk-label--s"
                value=per_page_input options=Signal::stored(page_sizes) />
            <Button kind=ButtonKind::Secondary>"Search"</Button>
        </form>
        {table}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn showing_counts_like_the_fact_sheet() {
        assert_eq!(showing(1, 25, 2), "Showing 1 to 2 of 2 entries");
        assert_eq!(showing(2, 10, 25), "Showing 11 to 20 of 25 entries");
        assert_eq!(showing(3, 10, 25), "Showing 21 to 25 of 25 entries");
        assert_eq!(showing(1, 25, 0), "Showing 0 to 0 of 0 entries");
        assert_eq!(showing(9, 10, 25), "Showing 0 to 0 of 25 entries");
    }
}
