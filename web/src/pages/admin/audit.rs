//! The audit log (permission `audit.view`): search by user, record, action, date range and
//! outcome, one page at a time, and download what matches as CSV. Links in the table narrow
//! the search, so "who viewed this record" and "everything this user viewed" are one click.
//! The filters live in the address (`/admin/audit?record_id=12&action=record.viewed`), so
//! other pages link straight to such a search and the browser's Back button works.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::audit::{action_label, AuditEntry, ACTIONS};
use s117_shared::dates::DateInput as DateBoxes;
use s117_shared::page::Page;
use s117_shared::permissions::Permission;
use s117_shared::validation::FieldErrors;

use super::NeedPermission;
use crate::components::{
    BackLink, Button, ButtonKind, Cell, DateFields, DateInput, HeadCell, PageTitle, Pagination,
    Table,
};
use crate::pages::form::{when, Field, FormErrorSummary, FormErrors};
use crate::session::use_session;

const NEED: &[Permission] = &[Permission::AuditView];
const PER_PAGE: u32 = 25;
/// The query parameters that filter (everything but the page number).
const FILTERS: [&str; 8] = [
    "user_id",
    "actor",
    "record_id",
    "target_user_id",
    "action",
    "outcome",
    "from",
    "to",
];

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// `/admin/audit?...`: the audit log viewer.
#[component]
pub fn AuditLog() -> impl IntoView {
    view! { <NeedPermission any=NEED><AuditLogPage /></NeedPermission> }
}

/// The filters of the current address as `k=v&...` (URL-encoded), without the page.
fn filter_query(params: &leptos_router::params::ParamsMap) -> String {
    FILTERS
        .iter()
        .filter_map(|k| {
            params
                .get(k)
                .filter(|v| !v.trim().is_empty())
                .map(|v| format!("{k}={}", encode(v.trim())))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn date_boxes(iso: Option<String>) -> DateFields {
    let date = iso.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    let boxes = DateBoxes::from_date(date);
    DateFields::with_values(&boxes.day, &boxes.month, &boxes.year)
}

fn typed(fields: DateFields) -> DateBoxes {
    DateBoxes {
        day: fields.day.get_untracked(),
        month: fields.month.get_untracked(),
        year: fields.year.get_untracked(),
    }
}

#[component]
fn AuditLogPage() -> impl IntoView {
    // Date errors are keyed by their day box, so the error summary's link lands in it.
    const FIELDS: &[&str] = &[
        "actor",
        "record_id",
        "action",
        "outcome",
        "from-day",
        "to-day",
    ];
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let initial = |k: &str| query.with_untracked(|p| p.get(k).unwrap_or_default());
    let actor = RwSignal::new(initial("actor"));
    let record_id = RwSignal::new(initial("record_id"));
    let action = RwSignal::new(initial("action"));
    let outcome = RwSignal::new(initial("outcome"));
    let from = date_boxes(query.with_untracked(|p| p.get("from")));
    let to = date_boxes(query.with_untracked(|p| p.get("to")));
    let errors = FormErrors::new(FIELDS);
    let downloading = RwSignal::new(false);
    let download_error = RwSignal::new(None::<String>);

    let page_number = move || {
        query.with(|p| {
            p.get("page")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1)
        })
    };
    let entries = LocalResource::new(move || {
        let filters = query.with(filter_query);
        let path = format!(
            "/api/v1/admin/audit?page={}&per_page={PER_PAGE}{}{filters}",
            page_number(),
            if filters.is_empty() { "" } else { "&" }
        );
        let api = session.api();
        async move { api.get::<Page<AuditEntry>>(&path).await }
    });

    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let mut problems = FieldErrors::new();
        let mut parts: Vec<String> = Vec::new();
        // Filters set by a link (a user, an account) stay until "Clear filters".
        query.with_untracked(|p| {
            for k in ["user_id", "target_user_id"] {
                if let Some(v) = p.get(k) {
                    parts.push(format!("{k}={}", encode(&v)));
                }
            }
        });
        let text = actor.get_untracked();
        if !text.trim().is_empty() {
            parts.push(format!("actor={}", encode(text.trim())));
        }
        let record = record_id.get_untracked();
        let record = record.trim().trim_start_matches('#');
        if !record.is_empty() {
            if record.parse::<i64>().map_or(true, |n| n < 1) {
                problems.add("record_id", "Record ID must be a number, like 1042");
            } else {
                parts.push(format!("record_id={record}"));
            }
        }
        for (value, key) in [
            (action.get_untracked(), "action"),
            (outcome.get_untracked(), "outcome"),
        ] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(&value)));
            }
        }
        let mut dates = Vec::new();
        for (fields, key, label) in [(from, "from", "start date"), (to, "to", "end date")] {
            let boxes = if key == "from" { "from-day" } else { "to-day" };
            match typed(fields).parse(label) {
                Ok(Some(date)) => {
                    parts.push(format!("{key}={date}"));
                    dates.push(date);
                }
                Ok(None) => {}
                Err(message) => problems.add(boxes, message),
            }
        }
        if let [start, end] = dates.as_slice() {
            if end < start {
                problems.add(
                    "to-day",
                    "The end date must be the same as or after the start date",
                );
            }
        }
        if errors.set_fields(problems) {
            return;
        }
        let path = if parts.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{}", parts.join("&"))
        };
        navigate(&path, NavigateOptions::default());
    };

    let page_href = move |page: u32| {
        let filters = query.with_untracked(filter_query);
        if filters.is_empty() {
            format!("/admin/audit?page={page}")
        } else {
            format!("/admin/audit?page={page}&{filters}")
        }
    };

    let on_download = move |_| {
        if downloading.get_untracked() {
            return;
        }
        downloading.set(true);
        download_error.set(None);
        let filters = query.with_untracked(filter_query);
        let path = format!("/api/v1/admin/audit/export?{filters}");
        let api = session.api();
        leptos::task::spawn_local(async move {
            match api.get_file(&path).await {
                Ok(file) => {
                    if crate::download::save(&file).is_err() {
                        download_error.set(Some("Your browser could not save the file.".into()));
                    }
                }
                Err(error) => download_error.set(Some(format!("The download failed: {error}."))),
            }
            downloading.set(false);
        });
    };

    // What links have narrowed the search to, said in words, with a way out.
    let narrowed = move || {
        query.with(|p| {
            let mut said = Vec::new();
            if let Some(id) = p.get("user_id") {
                said.push(format!("done by user {id}"));
            }
            if let Some(id) = p.get("target_user_id") {
                said.push(format!("about user account {id}"));
            }
            (!said.is_empty() || !filter_query(p).is_empty()).then(|| {
                let text = if said.is_empty() {
                    "Filters are applied.".to_owned()
                } else {
                    format!("Showing entries {}.", said.join(" and "))
                };
                view! {
                    <p class="govuk-body">
                        {text}" "
                        <a class="govuk-link" href="/admin/audit">"Clear filters"</a>
                    </p>
                }
            })
        })
    };

    let results = move || match entries.get() {
        None => {
            view! { <p class="govuk-body" aria-busy="true">"Loading the audit log…"</p> }.into_any()
        }
        Some(Err(error)) => view! {
            <p class="govuk-body">{format!("The audit log could not be loaded: {error}.")}</p>
        }
        .into_any(),
        Some(Ok(page)) => {
            let total_pages = (page.total.max(0) as u32).div_ceil(page.per_page.max(1));
            let shown = if page.total == 0 {
                "No entries match".to_owned()
            } else {
                let first = (page.page - 1) * page.per_page + 1;
                let last = first + page.items.len() as u32 - 1;
                format!("Showing {first} to {last} of {} entries", page.total)
            };
            let rows = page.items.iter().map(entry_row).collect();
            view! {
                <p class="govuk-body" role="status" id="audit-showing">{shown}</p>
                <Table
                    caption="Audit log entries, newest first"
                    caption_class="govuk-visually-hidden"
                    head=vec![
                        HeadCell::text("When"),
                        HeadCell::text("User"),
                        HeadCell::text("Action"),
                        HeadCell::text("Record"),
                        HeadCell::text("Outcome"),
                        HeadCell::text("From"),
                    ]
                    rows=rows
                />
                <Pagination current=page.page total_pages=total_pages href=page_href />
            }
            .into_any()
        }
    };

    let action_options = ACTIONS
        .iter()
        .map(|(value, label)| {
            let v = value.to_string();
            let selected = move || action.with(|a| *a == v);
            view! { <option value=*value prop:selected=selected>{*label}</option> }
        })
        .collect_view();

    view! {
        <PageTitle text="Audit log" has_errors=Signal::derive(move || errors.any()) />
        <BackLink href="/admin" />
        <FormErrorSummary errors=errors />
        <h1 class="govuk-heading-l">"Audit log"</h1>
        <p class="govuk-body">
            "Every sign-in, record viewed or changed, download and administration action, with \
             who did it, when and from where. Entries can never be changed or deleted."
        </p>
        <form class="s117-filters s117-filters--wrap" novalidate on:submit=on_search>
            <Field field="actor" label="User" hint="Email address, or part of it" errors=errors
                value=actor input_type="search" width="govuk-input--width-20" no_spellcheck=true />
            <Field field="record_id" label="Record ID" errors=errors value=record_id
                inputmode="numeric" width="govuk-input--width-5" no_spellcheck=true />
            <div class="govuk-form-group">
                <label class="govuk-label" for="action">"Action"</label>
                <select class="govuk-select" id="action" name="action" bind:value=action>
                    <option value="">"All actions"</option>
                    <option value="record.*" prop:selected=move || action.with(|a| a == "record.*")>"Anything done to records"</option>
                    {action_options}
                </select>
            </div>
            <div class="govuk-form-group">
                <label class="govuk-label" for="outcome">"Outcome"</label>
                <select class="govuk-select" id="outcome" name="outcome" bind:value=outcome>
                    <option value="">"All"</option>
                    <option value="success">"Success"</option>
                    <option value="failure">"Failure"</option>
                    <option value="denied">"Denied"</option>
                </select>
            </div>
            <DateInput id="from" legend="From" hint="For example, 1 11 2026" name_prefix="from"
                error=errors.for_field("from-day") fields=from />
            <DateInput id="to" legend="To" hint="For example, 30 11 2026" name_prefix="to"
                error=errors.for_field("to-day") fields=to />
            <Button kind=ButtonKind::Secondary>"Search"</Button>
        </form>
        {narrowed}
        <div class="govuk-button-group">
            <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button"
                disabled=move || downloading.get() on:click=on_download>
                "Download these entries (CSV)"
            </button>
        </div>
        <p class="govuk-body" role="status" aria-live="polite">
            {move || download_error.get().or_else(|| downloading.get().then(|| "Preparing the download…".to_owned()))}
        </p>
        {results}
    }
}

fn entry_row(e: &AuditEntry) -> Vec<Cell> {
    let user = match (e.actor_user_id, e.actor_label.is_empty()) {
        (Some(id), _) => {
            let label = e.actor_label.clone();
            Cell::view(view! {
                <a class="govuk-link" href=format!("/admin/audit?user_id={id}")>
                    {label}
                    <span class="govuk-visually-hidden">": everything this user did"</span>
                </a>
            })
        }
        (None, true) => Cell::text("Not signed in"),
        (None, false) => Cell::text(e.actor_label.clone()),
    };
    let record = match e.record_id {
        Some(id) => Cell::view(view! {
            <a class="govuk-link" href=format!("/admin/audit?record_id={id}")>
                {format!("{id}")}
                <span class="govuk-visually-hidden">": everyone who viewed or changed this record"</span>
            </a>
        }),
        None => Cell::text(""),
    };
    let tag = match e.outcome.as_str() {
        "success" => "govuk-tag govuk-tag--green",
        "denied" => "govuk-tag govuk-tag--red",
        _ => "govuk-tag govuk-tag--orange",
    };
    let outcome = e.outcome.clone();
    let action = action_label(&e.action).to_owned();
    let target = e.target_user_id.map(|id| {
        view! {
            " ("
            <a class="govuk-link" href=format!("/admin/users/{id}")>{format!("user {id}")}</a>
            ")"
        }
    });
    vec![
        Cell::text(when(&e.at)),
        user,
        Cell::view(view! { <span>{action}{target}</span> }),
        record,
        Cell::view(view! { <strong class=tag>{outcome}</strong> }),
        Cell::text(e.ip.clone().unwrap_or_default()),
    ]
}
