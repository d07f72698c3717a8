//! View record (`/records/:id`): the person ("Details of the individual"), the open episode
//! ("Detention information"), earlier episodes and the record's history, with the actions
//! the user's permissions allow (edit, new detention, end entitlement, delete).

use leptos::prelude::*;
use s117_shared::dates::{format_long, format_uk};
use s117_shared::permissions::Permission;
use s117_shared::record::EndReason;
use s117_shared::record_view::{EpisodeView, HistoryEntry, Record, RecordStatus};
use serde_json::Value;

use crate::components::{BannerKind, NotificationBanner, PageTitle, SummaryList, SummaryRow};
use crate::session::{use_session, RequireSignIn};

use super::form::{label_of, spaced_nhs};
use super::{full_name, load_problem, record_api, route_id, take_flash, when_allowed};

#[component]
pub fn ViewRecordPage() -> impl IntoView {
    let id = route_id();
    let banner = id
        .get_untracked()
        .and_then(|id| take_flash(&format!("/records/{id}")));
    view! {
        <RequireSignIn>
            {
                let banner = banner.clone();
                when_allowed(Permission::RecordsView, move || {
                    let banner = banner.clone();
                    view! { <ViewRecord banner=banner /> }.into_any()
                })
            }
        </RequireSignIn>
    }
}

fn or_not_recorded(value: Option<String>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "Not recorded".to_owned())
}

fn date_or(value: Option<chrono::NaiveDate>) -> String {
    or_not_recorded(value.map(format_long))
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "Yes"
    } else {
        "No"
    }
}

/// A row with a "Change" link to its field on the edit page, when the user may edit.
fn row(key: &str, value: String, change: Option<(i64, &str)>) -> SummaryRow {
    let row = SummaryRow::text(key, value);
    match change {
        Some((id, field)) => row.with_action(
            "Change",
            format!("/records/{id}/edit#{field}"),
            key.to_lowercase(),
        ),
        None => row,
    }
}

fn person_rows(r: &Record, can_edit: bool) -> Vec<SummaryRow> {
    let change = |field: &'static str| can_edit.then_some((r.id, field));
    let address: Vec<String> = [
        &r.address_line_1,
        &r.address_line_2,
        &r.address_line_3,
        &r.town,
    ]
    .into_iter()
    .flatten()
    .filter(|line| !line.trim().is_empty())
    .cloned()
    .collect();
    let address_value = if address.is_empty() {
        "Not recorded".into_any()
    } else {
        address
            .into_iter()
            .enumerate()
            .map(|(i, line)| view! { {(i > 0).then(|| view! { <br /> })} {line} })
            .collect_view()
            .into_any()
    };
    let mut address_row = SummaryRow {
        key: "Address".to_owned(),
        value: address_value,
        actions: Vec::new(),
    };
    if can_edit {
        address_row = address_row.with_action(
            "Change",
            format!("/records/{}/edit#address-line-1", r.id),
            "address",
        );
    }
    vec![
        row(
            "NHS number",
            or_not_recorded(r.nhs_number.as_deref().map(spaced_nhs)),
            change("nhs-number"),
        ),
        row(
            "System ID",
            or_not_recorded(r.source_system_id.clone()),
            change("source-system-id"),
        ),
        row("First name", r.first_name.clone(), change("first-name")),
        row("Family name", r.family_name.clone(), change("family-name")),
        row(
            "Date of birth",
            format!("{} (age {})", format_long(r.date_of_birth), r.age),
            change("date-of-birth-day"),
        ),
        row("Gender", r.gender.name.clone(), change("gender")),
        row(
            "Ethnicity",
            or_not_recorded(r.ethnicity.as_ref().map(|c| c.name.clone())),
            change("ethnicity"),
        ),
        address_row,
        row("Postcode", r.postcode.clone(), change("postcode")),
        row(
            "Learning disability",
            r.learning_disability.label().to_owned(),
            change("learning-disability"),
        ),
        row(
            "GP practice",
            or_not_recorded(r.gp_practice.clone()),
            change("gp-practice"),
        ),
        row("Notes", or_not_recorded(r.notes.clone()), change("notes")),
    ]
}

/// An episode's rows; `change` when it is the episode the edit form edits.
fn episode_rows(e: &EpisodeView, change: Option<i64>) -> Vec<SummaryRow> {
    let change = |field: &'static str| change.map(|id| (id, field));
    let mut rows = vec![
        row(
            "Date detained",
            format_long(e.date_detained),
            change("date-detained-day"),
        ),
        row(
            "S117 qualifying section",
            e.qualifying_section.name.clone(),
            change("qualifying-section"),
        ),
        row(
            "Place detained",
            or_not_recorded(e.place_detained.as_ref().map(|c| c.name.clone())),
            change("place-detained"),
        ),
        row(
            "Start of S117 entitlement",
            format_long(e.s117_start_date),
            change("s117-start-date-day"),
        ),
        row(
            "S117 responsible local authority",
            format!(
                "{} ({})",
                e.responsible_la.name,
                if e.la_out_of_county {
                    "out of county"
                } else {
                    "in county"
                }
            ),
            change("responsible-la"),
        ),
        row(
            "S117 responsible clinical commissioner",
            e.responsible_commissioner.name.clone(),
            change("responsible-commissioner"),
        ),
        row(
            "GP out of county",
            yes_no(e.gp_out_of_county).to_owned(),
            change("gp-out-of-county"),
        ),
        row(
            "CTO start date",
            date_or(e.cto_start_date),
            change("cto-start-date-day"),
        ),
        row(
            "CTO end date",
            date_or(e.cto_end_date),
            change("cto-end-date-day"),
        ),
        row(
            "Date of last review",
            date_or(e.last_review_date),
            change("last-review-date-day"),
        ),
        row(
            "Next review due",
            date_or(e.next_review_date),
            change("next-review-date-day"),
        ),
    ];
    if let Some(end) = e.end_date {
        rows.push(SummaryRow::text(
            "Date of discharge / end of S117 entitlement",
            format_long(end),
        ));
        rows.push(SummaryRow::text(
            "Reason",
            or_not_recorded(e.end_reason.map(|r| r.label().to_owned())),
        ));
        rows.push(SummaryRow::text(
            "Agreed for the local authority by",
            or_not_recorded(e.la_agreed_by.clone()),
        ));
        rows.push(SummaryRow::text(
            "Agreed for the NHS by",
            or_not_recorded(e.nhs_agreed_by.clone()),
        ));
    }
    rows
}

/// A value of the history as people read it: dates dd/mm/yyyy, blanks said.
fn history_value(value: &Value) -> String {
    match value {
        Value::Null => "(blank)".to_owned(),
        Value::Bool(b) => yes_no(*b).to_owned(),
        Value::String(s) if s.is_empty() => "(blank)".to_owned(),
        Value::String(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(date) => format_uk(date),
            Err(_) => s.clone(),
        },
        other => other.to_string(),
    }
}

fn action_label(action: &str) -> String {
    match action {
        "record.created" => "Record created".to_owned(),
        "record.updated" => "Record updated".to_owned(),
        "record.ended" => "Entitlement ended".to_owned(),
        "record.episode_opened" => "New detention recorded".to_owned(),
        "record.deleted" => "Record deleted".to_owned(),
        "record.viewed" => "Record viewed".to_owned(),
        other => other.replace(['.', '_'], " "),
    }
}

/// What changed, one line each ("Postcode: ST5 1DS → ST4 2DN").
fn history_details(entry: &HistoryEntry) -> Vec<String> {
    let d = &entry.details;
    match entry.action.as_str() {
        "record.updated" => d["changes"]
            .as_object()
            .map(|changes| {
                changes
                    .iter()
                    .map(|(key, change)| {
                        format!(
                            "{}: {} → {}",
                            label_of(key),
                            history_value(&change["old"]),
                            history_value(&change["new"])
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        "record.ended" => {
            let reason = d["reason"]
                .as_str()
                .and_then(EndReason::from_input)
                .map_or_else(|| history_value(&d["reason"]), |r| r.label().to_owned());
            vec![
                format!("Ended on {}", history_value(&d["end_date"])),
                format!("Reason: {reason}"),
                format!(
                    "Agreed for the local authority by {}",
                    history_value(&d["la_agreed_by"])
                ),
                format!(
                    "Agreed for the NHS by {}",
                    history_value(&d["nhs_agreed_by"])
                ),
            ]
        }
        "record.episode_opened" => vec![format!(
            "Detained on {}",
            history_value(&d["date_detained"])
        )],
        _ => Vec::new(),
    }
}

/// "24/11/2026, 20:42" in the browser's time zone.
fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let options = js_sys::Object::new();
    for (key, value) in [
        ("day", "2-digit"),
        ("month", "2-digit"),
        ("year", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_string("en-GB", &options))
}

fn history_table(entries: Vec<HistoryEntry>) -> impl IntoView {
    let rows = entries
        .into_iter()
        .filter(|entry| entry.action != "record.viewed")
        .map(|entry| {
            let details = history_details(&entry)
                .into_iter()
                .map(|line| view! { <li>{line}</li> })
                .collect_view();
            view! {
                <tr class="govuk-table__row">
                    <td class="govuk-table__cell s117-nowrap">{when(entry.at)}</td>
                    <td class="govuk-table__cell">{entry.who.clone()}</td>
                    <td class="govuk-table__cell">{action_label(&entry.action)}</td>
                    <td class="govuk-table__cell">
                        <ul class="govuk-list govuk-!-margin-bottom-0">{details}</ul>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="govuk-table">
            <caption class="govuk-table__caption govuk-table__caption--m">"History"</caption>
            <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                    <th scope="col" class="govuk-table__header">"When"</th>
                    <th scope="col" class="govuk-table__header">"Who"</th>
                    <th scope="col" class="govuk-table__header">"What"</th>
                    <th scope="col" class="govuk-table__header">"Changes"</th>
                </tr>
            </thead>
            <tbody class="govuk-table__body">{rows}</tbody>
        </table>
        <p class="govuk-body-s">"Who viewed the record is kept in the audit log."</p>
    }
}

#[component]
fn ViewRecord(banner: Option<String>) -> impl IntoView {
    let session = use_session();
    let id = route_id();
    let record = LocalResource::new(move || {
        let api = session.api();
        let id = id.get();
        async move {
            match id {
                Some(id) => api.get::<Record>(&record_api(id)).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Asked only once the record has loaded, never alongside it: each read writes an audit
    // entry, and two at once can collide on SQLite ("database is locked").
    let history = LocalResource::new(move || {
        let api = session.api();
        let loaded = record.get().and_then(|r| r.ok().flatten()).map(|r| r.id);
        async move {
            match loaded {
                Some(id) => api
                    .get::<Vec<HistoryEntry>>(&format!("{}/history", record_api(id)))
                    .await
                    .ok(),
                None => None,
            }
        }
    });

    let page = move |r: Record| {
        let name = full_name(&r.first_name, &r.family_name);
        let can_edit = session.can(Permission::RecordsEdit);
        let can_end = session.can(Permission::RecordsEnd) && r.status == RecordStatus::Active;
        let can_delete = session.can(Permission::RecordsDelete);
        let id = r.id;
        let status_tag = match r.status {
            RecordStatus::Active => {
                view! { <strong class="govuk-tag govuk-tag--green">"Active"</strong> }.into_any()
            }
            RecordStatus::Ended => {
                view! { <strong class="govuk-tag govuk-tag--grey">"Ended"</strong> }.into_any()
            }
        };
        let detention = match &r.episode {
            Some(open) => view! {
                <SummaryList rows=episode_rows(open, can_edit.then_some(id)) />
            }
            .into_any(),
            None => {
                let latest = r.episodes.first().cloned();
                view! {
                    <div class="govuk-inset-text">
                        "This person's S117 entitlement has ended: they are not on the active register."
                    </div>
                    {latest.map(|e| view! { <SummaryList rows=episode_rows(&e, can_edit.then_some(id)) /> })}
                }
                .into_any()
            }
        };
        let skip = usize::from(r.episode.is_some() || !r.episodes.is_empty());
        let earlier: Vec<EpisodeView> = r.episodes.iter().skip(skip).cloned().collect();
        let earlier = (!earlier.is_empty()).then(|| {
            let items = earlier
                .into_iter()
                .map(|e| {
                    let title = match e.end_date {
                        Some(end) => format!(
                            "Detained {} – ended {}",
                            format_long(e.date_detained),
                            format_long(end)
                        ),
                        None => format!("Detained {}", format_long(e.date_detained)),
                    };
                    view! {
                        <h3 class="govuk-heading-s">{title}</h3>
                        <SummaryList rows=episode_rows(&e, None) />
                    }
                })
                .collect_view();
            view! {
                <h2 class="govuk-heading-m">"Earlier episodes"</h2>
                {items}
            }
        });
        let actions = view! {
            <div class="govuk-button-group">
                {can_edit.then(|| view! {
                    <a href=format!("/records/{id}/edit") role="button" draggable="false"
                        class="govuk-button" data-module="govuk-button">"Edit record"</a>
                    <a href=format!("/records/{id}/episodes/new") role="button" draggable="false"
                        class="govuk-button govuk-button--secondary" data-module="govuk-button">
                        "Record a new detention"
                    </a>
                })}
                {can_end.then(|| view! {
                    <a href=format!("/records/{id}/end") role="button" draggable="false"
                        class="govuk-button govuk-button--secondary" data-module="govuk-button">
                        "End entitlement"
                    </a>
                })}
                {can_delete.then(|| view! {
                    <a href=format!("/records/{id}/delete") role="button" draggable="false"
                        class="govuk-button govuk-button--warning" data-module="govuk-button">
                        "Delete record"
                    </a>
                })}
            </div>
        };
        view! {
            <PageTitle text=name.clone() />
            <span class="govuk-caption-l">{format!("Register ID {id}")}</span>
            <h1 class="govuk-heading-l">{name} " " {status_tag}</h1>
            {actions}
            <h2 class="govuk-heading-m">"Details of the individual"</h2>
            <SummaryList rows=person_rows(&r, can_edit) />
            <h2 class="govuk-heading-m">"Detention information"</h2>
            {detention}
            {earlier}
            <p class="govuk-body-s">
                {format!(
                    "Created by {} on {}. Last updated by {} on {}.",
                    r.created_by,
                    when(r.created_at),
                    r.updated_by,
                    when(r.updated_at)
                )}
            </p>
            {move || history.get().flatten().map(history_table)}
            // For spotting inappropriate access: everyone who opened this record.
            {session.can(Permission::AuditView).then(|| view! {
                <p class="govuk-body">
                    <a class="govuk-link" href=format!("/admin/audit?record_id={id}&action=record.viewed")>
                        "See who has viewed this record (audit log)"
                    </a>
                </p>
            })}
        }
        .into_any()
    };

    view! {
        {banner.map(|heading| view! { <NotificationBanner kind=BannerKind::Success heading=heading /> })}
        <a href="/records" class="govuk-back-link">"Back to Manage Records"</a>
        {move || match record.get() {
            None => view! { <p class="govuk-body" aria-busy="true">"Loading the record…"</p> }.into_any(),
            Some(Ok(Some(r))) => page(r),
            Some(Ok(None)) => load_problem(&crate::api::ApiError::Unexpected { status: 404, detail: String::new() }),
            Some(Err(error)) => load_problem(&error),
        }}
    }
}
