//! `/api/v1/records...` (HTTP only: extract, authorise, map).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use s117_shared::page::Page;
use s117_shared::problem::Problem;
use s117_shared::record::{EndEpisodeInput, EpisodeInput, RecordInput};
use s117_shared::record_view::{HistoryEntry, Record, RecordSummary, SORT_KEYS};
use serde::Deserialize;

use super::{service, store};
use crate::authn::{perm, RequestMeta, Require};
use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    /// NHS number (spaces allowed), register ID, system ID, postcode, or names (any order, starts of words).
    #[serde(default)]
    pub q: String,
    /// `active` (default), `ended` or `all`.
    #[serde(default)]
    pub status: Option<String>,
    /// Responsible local authority (ONS code).
    pub responsible_la: Option<String>,
    /// Responsible commissioner (id, e.g. `sicbl:05V`).
    pub commissioner: Option<String>,
    #[serde(default = "s117_shared::page::default_page")]
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: u32,
    #[serde(default = "s117_shared::page::default_per_page")]
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: u32,
    /// One of `id nhs_number name date_of_birth postcode responsible_la responsible_commissioner source_system_id`, `-` before it for descending.
    pub sort: Option<String>,
}

fn order_by(sort: Option<&str>) -> Result<&'static str, ApiError> {
    let sort = sort.unwrap_or("name");
    let (key, desc) = match sort.strip_prefix('-') {
        Some(k) => (k, true),
        None => (sort, false),
    };
    if !SORT_KEYS.contains(&key) {
        return Err(ApiError::validation(
            "sort",
            format!("Sort by one of: {}", SORT_KEYS.join(", ")),
        ));
    }
    // Every order ends with the register ID, so pages are stable.
    Ok(match (key, desc) {
        ("id", false) => "p.id ASC",
        ("id", true) => "p.id DESC",
        ("nhs_number", false) => "p.nhs_number ASC, p.id ASC",
        ("nhs_number", true) => "p.nhs_number DESC, p.id DESC",
        ("name", false) => "p.family_name ASC, p.first_name ASC, p.id ASC",
        ("name", true) => "p.family_name DESC, p.first_name DESC, p.id DESC",
        ("date_of_birth", false) => "p.date_of_birth ASC, p.id ASC",
        ("date_of_birth", true) => "p.date_of_birth DESC, p.id DESC",
        ("postcode", false) => "p.postcode ASC, p.id ASC",
        ("postcode", true) => "p.postcode DESC, p.id DESC",
        ("responsible_la", false) => "la.display_name ASC, p.id ASC",
        ("responsible_la", true) => "la.display_name DESC, p.id DESC",
        ("responsible_commissioner", false) => "cm.display_name ASC, p.id ASC",
        ("responsible_commissioner", true) => "cm.display_name DESC, p.id DESC",
        ("source_system_id", false) => "p.source_system_id ASC, p.id ASC",
        _ => "p.source_system_id DESC, p.id DESC",
    })
}

/// Manage Records: search and list, one page at a time.
#[utoipa::path(get, path = "/api/v1/records", operation_id = "search_records", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.view"])),
    params(RecordQuery),
    responses((status = 200, description = "One page of records", body = Page<RecordSummary>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsView>,
    meta: RequestMeta,
    query: web::Query<RecordQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, offset) = s117_shared::page::limit_offset(query.page, query.per_page)?;
    let status = match query.status.as_deref().unwrap_or("active") {
        "active" | "" => Some("active"),
        "ended" => Some("ended"),
        "all" => None,
        _ => {
            return Err(ApiError::validation(
                "status",
                "Status must be active, ended or all",
            ))
        }
    };
    let search = store::Search {
        status,
        responsible_la: query.responsible_la.clone().filter(|s| !s.is_empty()),
        commissioner: query.commissioner.clone().filter(|s| !s.is_empty()),
        order_by: order_by(query.sort.as_deref())?,
        limit,
        offset,
        ..Default::default()
    };
    let (items, total) = service::search(&state, &caller, &meta, &query.q, search).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        total,
        page: query.page,
        per_page: query.per_page,
    }))
}

fn with_etag(mut res: actix_web::HttpResponseBuilder, record: &Record) -> HttpResponse {
    res.insert_header((header::ETAG, service::etag(record.id, record.version)))
        .json(record)
}

/// The version an `If-Match` header names (`None` when absent or not one of ours).
fn if_match(req: &HttpRequest, id: i64) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .unwrap_or("")
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    match text.split_once('-') {
        Some((rid, v)) if rid == id.to_string() => Ok(v.parse().ok().or(Some(-1))),
        _ => Ok(Some(-1)), // a tag for something else never matches
    }
}

/// Submit New Record. A duplicate (same NHS number, system ID, or names and date of birth)
/// is refused with 409 and a link to the existing record.
#[utoipa::path(post, path = "/api/v1/records", operation_id = "create_record", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.create"])),
    request_body = RecordInput,
    responses((status = 201, description = "Created", body = Record, headers(("ETag" = String), ("Location" = String))),
              (status = 409, description = "Duplicate: `existing_id` and `existing_url` name the record", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Invalid: one message per field in `errors`", body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsCreate>,
    meta: RequestMeta,
    body: web::Json<RecordInput>,
) -> Result<HttpResponse, ApiError> {
    let record = service::create(&state, &caller, &meta, body.into_inner()).await?;
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, format!("/api/v1/records/{}", record.id)));
    Ok(with_etag(res, &record))
}

/// One record: the person, the open episode and every earlier one. Viewing is audited.
#[utoipa::path(get, path = "/api/v1/records/{id}", operation_id = "get_record", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.view"])),
    params(("id" = i64, Path, description = "Register ID")),
    responses((status = 200, body = Record, headers(("ETag" = String))),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsView>,
    meta: RequestMeta,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = service::get(&state, &caller, &meta, *id).await?;
    Ok(with_etag(HttpResponse::Ok(), &record))
}

/// Edit Record ("Update record"). Needs the ETag in `If-Match`: 428 without it, 412 when
/// someone else changed the record since.
#[utoipa::path(put, path = "/api/v1/records/{id}", operation_id = "update_record", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.edit"])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The record's ETag")), request_body = RecordInput,
    responses((status = 200, body = Record, headers(("ETag" = String))),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 412, description = "Changed by someone else", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 428, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsEdit>,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<RecordInput>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req, *id)?;
    let record = service::update(&state, &caller, &meta, *id, version, body.into_inner()).await?;
    Ok(with_etag(HttpResponse::Ok(), &record))
}

/// Deletes a record entered in error. Its audit trail stays, with a tombstone.
#[utoipa::path(delete, path = "/api/v1/records/{id}", operation_id = "delete_record", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.delete"])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The record's ETag")),
    responses((status = 204, description = "Deleted"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 412, body = Problem, content_type = "application/problem+json"),
              (status = 428, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsDelete>,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req, *id)?;
    service::delete(&state, &caller, &meta, *id, version).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends the open entitlement episode (the SPA asks for confirmation first). Refused while a
/// community treatment order is in force.
#[utoipa::path(post, path = "/api/v1/records/{id}/end", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.end"])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The record's ETag")), request_body = EndEpisodeInput,
    responses((status = 200, body = Record, headers(("ETag" = String))),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Already ended", body = Problem, content_type = "application/problem+json"),
              (status = 412, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 428, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn end(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsEnd>,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<EndEpisodeInput>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req, *id)?;
    let record = service::end(&state, &caller, &meta, *id, version, body.into_inner()).await?;
    Ok(with_etag(HttpResponse::Ok(), &record))
}

/// A new qualifying detention: ends the open episode and opens a new one (or reinstates an
/// ended record).
#[utoipa::path(post, path = "/api/v1/records/{id}/episodes", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.edit"])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The record's ETag")), request_body = EpisodeInput,
    responses((status = 201, body = Record, headers(("ETag" = String))),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 412, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 428, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn new_episode(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsEdit>,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<EpisodeInput>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req, *id)?;
    let record =
        service::new_episode(&state, &caller, &meta, *id, version, body.into_inner()).await?;
    Ok(with_etag(HttpResponse::Created(), &record))
}

/// The record's audit trail: who viewed and changed it, when, and what changed.
#[utoipa::path(get, path = "/api/v1/records/{id}/history", tag = "records", security(("bearer" = []), ("client_credentials" = ["records.view"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<HistoryEntry>),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn history(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsView>,
    meta: RequestMeta,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::history(&state, &caller, &meta, *id).await?))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/records")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/records/{id}")
            .route(web::get().to(get))
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    )
    .service(web::resource("/records/{id}/end").route(web::post().to(end)))
    .service(web::resource("/records/{id}/episodes").route(web::post().to(new_episode)))
    .service(web::resource("/records/{id}/history").route(web::get().to(history)));
}
