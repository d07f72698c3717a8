//! What every response goes through: request id, access log, security headers, and the
//! problem+json guarantee for `/api`.
//!
//! One middleware rather than several so the order is plain to read:
//! 1. take the caller's `x-request-id` if it is sane, otherwise make one;
//! 2. run the request;
//! 3. under `/api` (and `/ready`), turn any error response that is not yet problem+json —
//!    actix's own 404, 405, 413, a panic's 500 — into one, and stamp every problem body
//!    with the request id and path;
//! 4. add the security headers, `Cache-Control: no-store` on API responses;
//! 5. log one line: method, route *pattern* (never the concrete path or query string, which
//!    could hold an NHS number or a name), status, time, request id.

use std::time::Instant;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use s117_shared::problem::{Problem, PROBLEM_JSON, PROBLEM_TYPE_PREFIX};

use crate::startup::AppState;

/// The id of the current request, readable by handlers through request extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn sane_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (1..=64).contains(&s.len()).then_some(())?;
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .then(|| s.to_string())
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/ready" || path == "/health"
}

pub async fn edge(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    let path = req.path().to_string();
    let behind_tls = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.behind_tls());

    // Handlers' and extractors' errors arrive here as responses already; an `Err` could only
    // come from a middleware inside this one, and there is none. (The request must not be
    // cloned before routing: actix needs sole ownership to record the matched path.)
    let res = next.call(req).await?.map_into_boxed_body();
    let pattern = res.request().match_pattern().unwrap_or_else(|| {
        if is_api_path(&path) {
            "(unmatched)".into()
        } else {
            "(static)".into()
        }
    });
    let mut res = if is_api_path(&path) && res.status().as_u16() >= 400 {
        as_problem(res, &request_id, &path).await
    } else {
        res
    };

    let headers = res.headers_mut();
    let set = |h: &mut actix_web::http::header::HeaderMap, k: HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if behind_tls {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if is_api_path(&path) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(X_REQUEST_ID.clone(), v);
    }

    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, route = %pattern, status, elapsed_ms, request_id = %request_id, "request");
    } else {
        tracing::info!(%method, route = %pattern, status, elapsed_ms, request_id = %request_id, "request");
    }
    Ok(res)
}

/// Rewrites an API error response as problem+json (keeping a problem body that a handler
/// already wrote, but adding the request id and path).
async fn as_problem(
    res: ServiceResponse<BoxBody>,
    request_id: &str,
    path: &str,
) -> ServiceResponse<BoxBody> {
    let (req, res) = res.into_parts();
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    let (mut head, body) = res.into_parts();
    let bytes = to_bytes(body).await.unwrap_or_default();
    let mut problem = if is_problem {
        serde_json::from_slice::<Problem>(&bytes).unwrap_or_else(|_| generic_problem(status, ""))
    } else {
        generic_problem(status, std::str::from_utf8(&bytes).unwrap_or(""))
    };
    problem.request_id = Some(request_id.to_string());
    problem.instance = Some(path.to_string());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    head.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    head.headers_mut().remove(header::CONTENT_LENGTH);
    let res: HttpResponse = head.set_body(BoxBody::new(body));
    ServiceResponse::new(req, res)
}

/// A problem for an error response that came from actix itself rather than a handler.
fn generic_problem(status: StatusCode, text: &str) -> Problem {
    let (code, title, detail) = match status.as_u16() {
        400 => ("bad-request", "Bad request", if text.is_empty() { "The request could not be understood." } else { text }),
        401 => ("unauthorized", "Not signed in", "Sign in and send the access token in an Authorization: Bearer header."),
        403 => ("forbidden", "You do not have permission to do this", "Your account does not have the permission this needs."),
        404 => ("not-found", "Not found", "There is nothing at this address."),
        405 => ("method-not-allowed", "Method not allowed", "This address does not accept that HTTP method; see /api/openapi.json."),
        406 => ("not-acceptable", "Not acceptable", "This address cannot answer in the format asked for."),
        408 => ("request-timeout", "Request timeout", "The request took too long to arrive."),
        413 => ("payload-too-large", "Request body too large", "The request body is larger than this endpoint accepts."),
        415 => ("unsupported-media-type", "Unsupported media type", "Send the body as application/json."),
        429 => ("too-many-requests", "Too many requests", "Wait and try again."),
        503 => ("unavailable", "Service unavailable", "Try again in a moment."),
        _ if status.is_server_error() => ("internal", "Sorry, there is a problem with the service", "Try again later. If it keeps happening, contact your helpdesk and quote the request id."),
        _ => ("error", "Request failed", "The request failed."),
    };
    // Never echo more than a line of actix's own text back.
    let detail: String = detail.chars().take(300).collect();
    Problem {
        type_: format!("{PROBLEM_TYPE_PREFIX}{code}"),
        title: title.into(),
        status: status.as_u16(),
        detail: Some(detail),
        instance: None,
        request_id: None,
        errors: Default::default(),
        extensions: Default::default(),
    }
}
