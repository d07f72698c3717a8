//! The API's one error type, and the one place it becomes RFC 9457 problem+json.
//!
//! Capabilities return [`ApiError`]; its `ResponseError` impl writes the body. actix's own
//! errors (bad JSON, wrong content type, unknown route, wrong method, body too large) are
//! turned into the same shape by [`extractor_error`] (configured on every extractor) and, as a
//! last resort, by `http::problem_for_plain_errors`, so a client never sees text/plain.
//! A 500 says nothing about its cause to the client; the cause goes to the log with the
//! request id that the client also receives.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use s117_shared::problem::{Problem, PROBLEM_JSON, PROBLEM_TYPE_PREFIX};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(BTreeMap<String, String>),
    #[error("not authenticated")]
    Unauthorized(&'static str),
    #[error("forbidden")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound(&'static str),
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        title: &'static str,
        detail: String,
        extensions: BTreeMap<String, serde_json::Value>,
    },
    /// Any other problem: its own status, code and members (e.g. OAuth's `error`).
    #[error("{code}")]
    Other {
        status: u16,
        code: &'static str,
        title: &'static str,
        detail: String,
        extensions: BTreeMap<String, serde_json::Value>,
    },
    #[error("precondition failed")]
    PreconditionFailed(String),
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests {
        retry_after_seconds: u64,
        detail: &'static str,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert(field.to_string(), message.into());
        ApiError::Validation(m)
    }

    /// The stable code after `urn:s117:problem:`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Validation(_) => "validation",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict { code, .. } | ApiError::Other { code, .. } => code,
            ApiError::PreconditionFailed(_) => "precondition-failed",
            ApiError::PreconditionRequired => "precondition-required",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (title, detail): (&str, Option<String>) = match self {
            ApiError::BadRequest(d) => ("Bad request", Some(d.clone())),
            ApiError::Validation(_) => ("There is a problem with the information you gave", Some("Correct the fields listed in errors and try again.".into())),
            ApiError::Unauthorized(d) => ("Not signed in", Some((*d).into())),
            ApiError::Forbidden(d) => ("You do not have permission to do this", Some((*d).into())),
            ApiError::NotFound(d) => ("Not found", Some((*d).into())),
            ApiError::Conflict { title, detail, .. } | ApiError::Other { title, detail, .. } => (title, Some(detail.clone())),
            ApiError::PreconditionFailed(d) => ("Someone else changed this since you loaded it", Some(d.clone())),
            ApiError::PreconditionRequired => ("If-Match header required", Some("Send the ETag you read in an If-Match header so that changes made by someone else are never overwritten.".into())),
            ApiError::PayloadTooLarge(d) => ("Request body too large", Some(d.clone())),
            ApiError::UnsupportedMediaType(d) => ("Unsupported media type", Some(d.clone())),
            ApiError::TooManyRequests { detail, .. } => ("Too many requests", Some((*detail).into())),
            ApiError::Unavailable(d) => ("Service unavailable", Some(d.clone())),
            ApiError::Internal(_) => ("Sorry, there is a problem with the service", Some("Try again later. If it keeps happening, contact your helpdesk and quote the request id.".into())),
        };
        Problem {
            type_: format!("{PROBLEM_TYPE_PREFIX}{}", self.code()),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            instance: None,
            request_id: None,
            errors: match self {
                ApiError::Validation(e) => e.clone(),
                _ => BTreeMap::new(),
            },
            extensions: match self {
                ApiError::Conflict { extensions, .. } | ApiError::Other { extensions, .. } => {
                    extensions.clone()
                }
                _ => BTreeMap::new(),
            },
        }
    }
}

/// A shared rule's field errors are a 422.
impl From<s117_shared::validation::FieldErrors> for ApiError {
    fn from(errors: s117_shared::validation::FieldErrors) -> Self {
        ApiError::Validation(errors.into_map())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            ApiError::Unavailable("The database cannot be reached. Try again in a moment.".into())
        } else {
            ApiError::Internal(anyhow::Error::new(e))
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Other { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            // The cause chain stays in the log; the client gets the request id to quote.
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let mut builder = HttpResponse::build(self.status_code());
        if let ApiError::TooManyRequests {
            retry_after_seconds,
            ..
        } = self
        {
            builder.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        if let ApiError::Unauthorized(_) = self {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        builder.content_type(PROBLEM_JSON).json(self.problem())
    }
}

/// Maps actix's extractor errors (JSON, query, path, form) to problem+json, so a body of
/// the wrong type answers 415 rather than actix's default 400.
pub fn extractor_error(
    err: impl Into<actix_web::Error> + std::fmt::Display,
    _req: &HttpRequest,
) -> actix_web::Error {
    let message = err.to_string();
    let actix_err: actix_web::Error = err.into();
    let status = actix_err.as_response_error().status_code();
    let api = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(
            "The request body is larger than this endpoint accepts.".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType("Send the body as application/json.".into())
        }
        _ => ApiError::BadRequest(message),
    };
    api.into()
}

pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    req: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::ContentType => {
            ApiError::UnsupportedMediaType("Send the body as application/json.".into()).into()
        }
        J::OverflowKnownLength { .. } | J::Overflow { .. } => ApiError::PayloadTooLarge(
            "The request body is larger than this endpoint accepts.".into(),
        )
        .into(),
        J::Deserialize(e) => {
            ApiError::BadRequest(format!("The JSON body is not valid: {e}")).into()
        }
        other => extractor_error(other, req),
    }
}

pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("The query string is not valid: {err}")).into()
}

pub fn path_error_handler(
    err: actix_web::error::PathError,
    _req: &HttpRequest,
) -> actix_web::Error {
    tracing::debug!(error = %err, "path did not parse");
    ApiError::NotFound("There is nothing at this address.").into()
}

pub fn form_error_handler(
    err: actix_web::error::UrlencodedError,
    req: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::UrlencodedError as U;
    match err {
        U::ContentType => ApiError::UnsupportedMediaType(
            "Send the body as application/x-www-form-urlencoded.".into(),
        )
        .into(),
        U::Overflow { .. } | U::UnknownLength => {
            ApiError::PayloadTooLarge("The request body is too large.".into()).into()
        }
        other => extractor_error(other, req),
    }
}
