//! `/api/v1/imports...` (HTTP only: extract, authorise, map).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use s117_shared::import::{ImportReport, RowKind};
use s117_shared::problem::Problem;
use s117_shared::report::{ReportFormat, XLSX_MEDIA_TYPE};
use serde::Deserialize;

use super::read::{unreadable, Encoding};
use super::service::{self, Upload};
use super::template;
use crate::authn::{perm, RequestMeta, Require};
use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// CSV only: `guidance` for what each column takes and the accepted codes and names;
    /// the header row otherwise. (The workbook holds both.)
    pub part: Option<String>,
    /// `csv` (default) or `xlsx` (the template as an Excel workbook: the header row,
    /// drop-down lists on the coded columns, and the guidance); without it, the `Accept`
    /// header decides.
    pub format: Option<String>,
}

fn attachment(media_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

fn csv_attachment(name: &str, body: Vec<u8>) -> HttpResponse {
    attachment(ReportFormat::Csv.media_type(), name, body)
}

/// The upload template: the header row in the contract's order as CSV (`?part=guidance`:
/// what each column takes, and every accepted code and name), or (`?format=xlsx`) as an
/// Excel workbook with drop-down lists on the coded columns and the guidance. Uploads are
/// CSV either way: the workbook is saved as CSV (UTF-8) before uploading.
#[utoipa::path(get, path = "/api/v1/imports/template", operation_id = "import_template", tag = "imports", security(("bearer" = []), ("client_credentials" = ["records.import"])),
    params(TemplateQuery),
    responses((status = 200, description = "The template (`Content-Disposition` names the file)",
                  content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "`part` or `format` is not one of its values", body = Problem, content_type = "application/problem+json")))]
pub async fn template(
    state: web::Data<AppState>,
    _caller: Require<perm::RecordsImport>,
    req: HttpRequest,
    query: web::Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = crate::reports::routes::requested_format(&req, query.format.as_deref())?;
    let guidance = match query.part.as_deref() {
        Some("guidance") => true,
        None | Some("") | Some("header") => false,
        Some(_) => {
            return Err(ApiError::validation(
                "part",
                "Part must be header or guidance",
            ))
        }
    };
    Ok(match (format, guidance) {
        (ReportFormat::Xlsx, _) => attachment(
            XLSX_MEDIA_TYPE,
            "s117-upload-template.xlsx",
            template::workbook(&state).await?,
        ),
        (ReportFormat::Csv, true) => csv_attachment(
            "s117-upload-guidance.csv",
            template::guidance_csv(&state).await?,
        ),
        (ReportFormat::Csv, false) => {
            csv_attachment("s117-upload-template.csv", template::header_csv())
        }
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (for a `text/csv` body; a multipart upload carries its own).
    pub file_name: Option<String>,
    /// `utf-8` or `windows-1252`; detected when absent.
    pub encoding: Option<String>,
}

/// Reads a body stream up to the cap; over it → 413, and nothing is stored.
async fn read_capped<S, E>(mut stream: S, cap: usize, into: &mut Vec<u8>) -> Result<(), ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("The upload was interrupted: {e}")))?;
        if into.len() + chunk.len() > cap {
            return Err(ApiError::PayloadTooLarge(format!(
                "The file is larger than {} MB. Split it into smaller files and upload each.",
                cap / (1024 * 1024)
            )));
        }
        into.extend_from_slice(&chunk);
    }
    Ok(())
}

/// Upload a CSV file and check it: every row is classified (new, updated, entitlement ended,
/// no change, error with every reason). Nothing is written to the register. Send the file
/// as `multipart/form-data` (field `file`) or as the body (`text/csv`, with `?file_name=`).
#[utoipa::path(post, path = "/api/v1/imports", operation_id = "upload_import", tag = "imports", security(("bearer" = []), ("client_credentials" = ["records.import"])),
    params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file (or multipart/form-data with a `file` field)"),
    responses((status = 201, description = "Checked: the report's first tab", body = ImportReport, headers(("Location" = String))),
              (status = 413, description = "Larger than S117_MAX_UPLOAD_MB (20 MB)", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Not a readable CSV, or the header lacks mandatory columns", body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsImport>,
    meta: RequestMeta,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let cap = state.config.max_upload_bytes;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        // Refused before reading a byte when the size is declared (multipart framing adds
        // a little, so allow for it).
        if len > cap + 64 * 1024 {
            return Err(ApiError::PayloadTooLarge(format!(
                "The file is larger than {} MB. Split it into smaller files and upload each.",
                cap / (1024 * 1024)
            )));
        }
    }
    let encoding = match query.encoding.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(e) => Some(Encoding::parse(e).ok_or_else(|| {
            ApiError::validation("encoding", "Encoding must be utf-8 or windows-1252")
        })?),
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut bytes = Vec::new();
    let mut file_name = query.file_name.clone();
    if content_type.starts_with("multipart/form-data") {
        let mut form = actix_multipart::Multipart::new(req.headers(), payload);
        let mut found = false;
        while let Some(field) = form.next().await {
            let field = field
                .map_err(|e| ApiError::BadRequest(format!("The upload cannot be read: {e}")))?;
            if field.name() != Some("file") || found {
                continue;
            }
            found = true;
            if let Some(name) = field.content_disposition().and_then(|d| d.get_filename()) {
                file_name = Some(name.to_string());
            }
            read_capped(field, cap, &mut bytes).await?;
        }
        if !found {
            return Err(unreadable(
                "Choose a CSV file to upload (form field \"file\").",
            ));
        }
    } else if content_type.is_empty()
        || content_type.starts_with("text/")
        || content_type.starts_with("application/octet-stream")
        || content_type.starts_with("application/vnd.ms-excel")
        || content_type.starts_with("application/csv")
    {
        read_capped(payload, cap, &mut bytes).await?;
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "Send the file as text/csv or multipart/form-data.".into(),
        ));
    }
    let upload = Upload {
        file_name: file_name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "upload.csv".into()),
        bytes,
        encoding,
    };
    let report = service::check(&state, &caller, &meta, upload).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/imports/{}", report.id)))
        .json(report))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `new` (default), `updated`, `ended`, `error` or `no_change`.
    pub tab: Option<String>,
    /// `csv` for the report as a CSV download (every tab unless `tab` is given).
    pub format: Option<String>,
    #[serde(default = "s117_shared::page::default_page")]
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: u32,
    #[serde(default = "s117_shared::page::default_per_page")]
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: u32,
}

fn tab(s: Option<&str>) -> Result<Option<RowKind>, ApiError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => RowKind::from_str_opt(s).map(Some).ok_or_else(|| {
            ApiError::validation("tab", "Tab must be new, updated, ended, error or no_change")
        }),
    }
}

/// The check (or process) report: counts, file name, total rows, and one tab's rows.
#[utoipa::path(get, path = "/api/v1/imports/{id}", operation_id = "get_import", tag = "imports", security(("bearer" = []), ("client_credentials" = ["records.import"])),
    params(("id" = String, Path), ReportQuery),
    responses((status = 200, description = "The report (or with `format=csv`, the report as CSV)", body = ImportReport),
              (status = 404, description = "No such upload, or it has expired", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not the uploader nor an administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsImport>,
    meta: RequestMeta,
    id: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let tab = tab(query.tab.as_deref())?;
    match query.format.as_deref() {
        Some("csv") => {
            let (name, body) = service::report_csv(&state, &caller, &meta, &id, tab).await?;
            Ok(csv_attachment(&name, body))
        }
        None | Some("") | Some("json") => Ok(HttpResponse::Ok().json(
            service::report(
                &state,
                &caller,
                &id,
                tab.unwrap_or(RowKind::New),
                query.page,
                query.per_page,
            )
            .await?,
        )),
        Some(_) => Err(ApiError::validation("format", "Format must be json or csv")),
    }
}

/// Process CSV Data: applies exactly the checked rows (not errors) in one transaction, once.
/// A second process, or one after the register changed so that a row no longer applies as
/// checked, is refused with 409 and nothing changes.
#[utoipa::path(post, path = "/api/v1/imports/{id}/process", operation_id = "process_import", tag = "imports", security(("bearer" = []), ("client_credentials" = ["records.import"])),
    params(("id" = String, Path)),
    responses((status = 200, description = "Processed: the report", body = ImportReport),
              (status = 404, description = "No such upload, or it has expired", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Already processed, or the register changed since the check (`row` names the row)", body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not the uploader nor an administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn process(
    state: web::Data<AppState>,
    caller: Require<perm::RecordsImport>,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::process(&state, &caller, &meta, &id).await?))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/imports/template").route(web::get().to(template)))
        .service(web::resource("/imports").route(web::post().to(upload)))
        .service(web::resource("/imports/{id}").route(web::get().to(get)))
        .service(web::resource("/imports/{id}/process").route(web::post().to(process)));
}
