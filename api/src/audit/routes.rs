//! `/api/v1/admin/audit`: the audit log viewer (`audit.view`). Read-only: no endpoint edits or
//! deletes an entry. Searching answers one page; exporting streams CSV in chunks and is
//! itself audited.

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures_util::StreamExt as _;
use s117_shared::audit::{AuditEntry, OUTCOMES};
use s117_shared::page::Page;
use s117_shared::problem::Problem;
use s117_shared::spreadsheet::neutralise_cell;
use s117_shared::validation::FieldErrors;
use serde::Deserialize;
use serde_json::json;

use super::store::{self, Filter};
use super::{Entry, Outcome};
use crate::authn::{perm, RequestMeta, Require};
use crate::error::ApiError;
use crate::startup::AppState;

type Auditor = Require<perm::AuditView>;

/// Entries per database read while exporting.
const EXPORT_CHUNK: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only what this user did ("everything user Y did or viewed").
    pub user_id: Option<i64>,
    /// Part of the actor's email address or API client name.
    #[serde(default)]
    pub actor: String,
    /// Only entries about this record ("who viewed record X").
    pub record_id: Option<i64>,
    /// Only entries about this user account (administration of it, its sign-ins).
    pub target_user_id: Option<i64>,
    /// An action name such as `record.viewed`, or a prefix such as `record.*`.
    #[serde(default)]
    pub action: String,
    /// `success`, `failure` or `denied`.
    #[serde(default)]
    pub outcome: String,
    /// From this day (YYYY-MM-DD, UK time), inclusive.
    #[serde(default)]
    pub from: String,
    /// To this day (YYYY-MM-DD, UK time), inclusive.
    #[serde(default)]
    pub to: String,
}

/// Which page of the search. Its own extractor (actix reads the query string once per
/// extractor) so the export, which has no pages, takes the filters alone.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPage {
    #[serde(default = "s117_shared::page::default_page")]
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: u32,
    #[serde(default = "s117_shared::page::default_per_page")]
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: u32,
}

fn day(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "Enter a real date, like 2026-11-24");
            None
        }
    }
}

/// The instant the UK calendar day `d` begins (users think in UK days, GMT or BST).
fn uk_midnight(d: NaiveDate) -> DateTime<Utc> {
    let utc_midnight = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"));
    let bst_start = utc_midnight - chrono::Duration::hours(1);
    if crate::clock::uk_date(bst_start) == d {
        bst_start
    } else {
        utc_midnight
    }
}

impl AuditQuery {
    /// Checks the filters and turns them into the store's [`Filter`].
    fn filter(&self) -> Result<Filter, ApiError> {
        let mut errors = FieldErrors::new();
        let outcome = self.outcome.trim();
        if !outcome.is_empty() && !OUTCOMES.contains(&outcome) {
            errors.add("outcome", "Outcome must be success, failure or denied");
        }
        if self.action.chars().count() > 100 {
            errors.add("action", "Action must be 100 characters or fewer");
        }
        if self.actor.chars().count() > 200 {
            errors.add("actor", "User must be 200 characters or fewer");
        }
        let from = day(&mut errors, "from", &self.from);
        let to = day(&mut errors, "to", &self.to);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errors.add(
                    "to",
                    "The end date must be the same as or after the start date",
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(Filter {
            user_id: self.user_id,
            actor: self.actor.clone(),
            record_id: self.record_id,
            target_user_id: self.target_user_id,
            action: self.action.trim().to_string(),
            outcome: outcome.to_string(),
            from: from.map(uk_midnight),
            to: to.and_then(|d| d.succ_opt()).map(uk_midnight),
        })
    }

    /// The filters as given, for the export's own audit entry.
    fn described(&self) -> serde_json::Value {
        json!({
            "user_id": self.user_id, "actor": self.actor, "record_id": self.record_id,
            "target_user_id": self.target_user_id, "action": self.action, "outcome": self.outcome,
            "from": self.from, "to": self.to,
        })
    }
}

/// Audit entries matching the filters, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", operation_id = "audit_search", tag = "audit", security(("bearer" = [])), params(AuditQuery, AuditPage),
    responses((status = 200, description = "One page of entries", body = Page<AuditEntry>),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    state: web::Data<AppState>,
    _auditor: Auditor,
    query: web::Query<AuditQuery>,
    paging: web::Query<AuditPage>,
) -> Result<HttpResponse, ApiError> {
    let (limit, offset) = s117_shared::page::limit_offset(paging.page, paging.per_page)?;
    let filter = query.filter()?;
    state.audit.flush().await?;
    let (items, total) = store::search(&state.db, &filter, limit, offset).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

const CSV_HEADER: [&str; 12] = [
    "id",
    "at",
    "actor_user_id",
    "actor_client_id",
    "actor",
    "action",
    "outcome",
    "record_id",
    "target_user_id",
    "ip",
    "request_id",
    "details",
];

fn csv_rows(rows: &[AuditEntry], header: bool) -> Result<Bytes, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(CSV_HEADER)?;
    }
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for e in rows {
        let cells = [
            e.id.to_string(),
            e.at.to_rfc3339(),
            opt(e.actor_user_id),
            e.actor_client_id.clone().unwrap_or_default(),
            e.actor_label.clone(),
            e.action.clone(),
            e.outcome.clone(),
            opt(e.record_id),
            opt(e.target_user_id),
            e.ip.clone().unwrap_or_default(),
            e.request_id.clone().unwrap_or_default(),
            e.details.to_string(),
        ];
        w.write_record(cells.iter().map(|c| neutralise_cell(c).into_owned()))?;
    }
    w.flush()?;
    Ok(Bytes::from(w.into_inner().map_err(|e| e.into_error())?))
}

/// The matching entries as CSV (every one, newest first), streamed. The export itself is
/// audited, with its filters.
#[utoipa::path(get, path = "/api/v1/admin/audit/export", operation_id = "audit_export", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "CSV: one row per entry; cells starting with = + - @ tab or CR are prefixed with '", content_type = "text/csv", body = String),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn export(
    state: web::Data<AppState>,
    auditor: Auditor,
    meta: RequestMeta,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    state.audit.flush().await?;
    let now = state.clock.now();
    // Written before the first row leaves, so an export cannot happen unrecorded.
    super::write_alone(
        &state.db,
        &Entry::new(
            "audit.exported",
            Outcome::Success,
            Some(&auditor.0),
            &meta,
            now,
        )
        .details(query.described()),
    )
    .await?;
    let db = state.db.clone();
    let first = csv_rows(&[], true).map_err(|e| ApiError::Internal(e.into()))?;
    // State: (the next id to read below, or None when done).
    let rows = futures_util::stream::unfold(Some(i64::MAX), move |before| {
        let db = db.clone();
        let filter = filter.clone();
        async move {
            let before = before?;
            let chunk = match store::chunk_before(&db, &filter, before, EXPORT_CHUNK).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "audit export stopped: database error");
                    return Some((Err(ApiError::from(e)), None));
                }
            };
            if chunk.is_empty() {
                return None;
            }
            let next = if (chunk.len() as i64) < EXPORT_CHUNK {
                None
            } else {
                chunk.last().map(|e| e.id)
            };
            let bytes = csv_rows(&chunk, false).map_err(|e| ApiError::Internal(e.into()));
            Some((bytes, next))
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, ApiError>(first) }).chain(rows);
    let filename = format!("audit-log-{}.csv", now.format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/audit").route(web::get().to(search)))
        .service(web::resource("/admin/audit/export").route(web::get().to(export)));
}
