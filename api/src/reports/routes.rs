//! `/api/v1/reports...` (HTTP only: extract, authorise, map).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use s117_shared::problem::Problem;
use s117_shared::report::{Dashboard, DashboardQuery, ReportFilterInput, ReportFormat, ReportKind};
use serde::Deserialize;

use super::service;
use crate::authn::{perm, RequestMeta, Require};
use crate::error::ApiError;
use crate::startup::AppState;

/// Reporting dashboard: a summary of active entitlements, optionally for one responsible
/// local authority or commissioner.
#[utoipa::path(get, path = "/api/v1/reports/dashboard", tag = "reports", security(("bearer" = []), ("client_credentials" = ["reports.view"])),
    params(DashboardQuery),
    responses((status = 200, description = "The dashboard's counts", body = Dashboard),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "A filter is not valid: `errors` names it", body = Problem, content_type = "application/problem+json")))]
pub async fn dashboard(
    state: web::Data<AppState>,
    _caller: Require<perm::ReportsView>,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let d = service::dashboard(&state, &query).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(d))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `csv` (default) or `xlsx`; without it, the `Accept` header decides.
    pub format: Option<String>,
}

/// Report download: one of the five reports, filtered, as CSV (UTF-8 with BOM, dd/mm/yyyy
/// dates) or XLSX, streamed. Every download is audited with the report, filters and row count.
#[utoipa::path(get, path = "/api/v1/reports/{report}", tag = "reports", security(("bearer" = []), ("client_credentials" = ["reports.download"])),
    params(("report" = ReportKind, Path, description = "all-entitled, ended, all-records, reviews-overdue or new-entitlements"), FormatQuery, ReportFilterInput),
    responses((status = 200, description = "The report file (`Content-Disposition` names it after the report and today's date)",
                  content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "A filter is not valid: `errors` names it", body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    state: web::Data<AppState>,
    caller: Require<perm::ReportsDownload>,
    meta: RequestMeta,
    req: HttpRequest,
    report: web::Path<String>,
    format: web::Query<FormatQuery>,
    filters: web::Query<ReportFilterInput>,
) -> Result<HttpResponse, ApiError> {
    let kind = ReportKind::from_slug(&report).ok_or(ApiError::NotFound(
        "There is no such report. Reports: all-entitled, ended, all-records, reviews-overdue, new-entitlements.",
    ))?;
    let format = requested_format(&req, format.format.as_deref())?;
    service::download(state, caller.0, meta, kind, format, filters.into_inner()).await
}

/// The file format a download asks for: the `format` parameter, else the `Accept` header,
/// else CSV (reports and the upload template negotiate alike); 422 for an unknown one.
pub(crate) fn requested_format(
    req: &HttpRequest,
    param: Option<&str>,
) -> Result<ReportFormat, ApiError> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok());
    ReportFormat::requested(param, accept)
        .ok_or_else(|| ApiError::validation("format", "Format must be csv or xlsx"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports/dashboard").route(web::get().to(dashboard)))
        .service(web::resource("/reports/{report}").route(web::get().to(download)));
}
