//! The one API client of the SPA.
//!
//! Owns every HTTP call the browser makes: same-origin `fetch`, JSON in and out, and the
//! mapping of answers to [`ApiError`]. Pages never build requests themselves, so headers
//! (bearer token, `Accept`), the timeout and the error mapping live here once.
//!
//! The SPA is just another client of the public JSON API (DESIGN.md §2): it must never rely
//! on anything the API does not document.

use std::fmt;

use gloo_net::http::{Method, RequestBuilder, Response};
use gloo_timers::callback::Timeout;
use s117_shared::problem::{Problem, PROBLEM_JSON};
use s117_shared::system::HealthStatus;
use serde::{de::DeserializeOwned, Serialize};
use web_sys::AbortController;

/// How long a request may take before the SPA treats the server as unreachable. A request
/// that hangs (a dead proxy, a black-holed connection) must not leave the user on a spinner.
const TIMEOUT_MS: u32 = 20_000;

/// Why a call failed, in the terms a page needs to decide what to show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The service cannot be reached or is broken: a network error, a timeout, or a 5xx
    /// without a problem body (a proxy's error page, a crash). Pages show ServiceProblem.
    Unavailable,
    /// The API refused the request and said why (RFC 9457 problem+json): validation errors
    /// keyed by field, a duplicate, an expired session (401)...
    Problem(Problem),
    /// An answer the SPA does not understand (a 4xx without a problem body, or a body that
    /// does not match the expected shape). A bug on one side or the other.
    Unexpected { status: u16, detail: String },
}

impl ApiError {
    /// The HTTP status the API answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unavailable => None,
            ApiError::Problem(problem) => Some(problem.status),
            ApiError::Unexpected { status, .. } => Some(*status),
        }
    }

    /// True when the caller must sign in (again): no session, or it expired.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unavailable => f.write_str("the service is unavailable"),
            ApiError::Problem(problem) => match &problem.detail {
                Some(detail) => write!(f, "{}: {detail}", problem.title),
                None => f.write_str(&problem.title),
            },
            ApiError::Unexpected { status, detail } => {
                write!(f, "unexpected answer (HTTP {status}): {detail}")
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// A handle on the API, anonymous or acting for a signed-in user.
///
/// Cheap to clone. The sign-in work keeps the current session's token in a Leptos context
/// and hands pages an `Api::with_bearer(token)`; nothing here stores the token anywhere
/// (never in localStorage: any script on the origin could read it).
#[derive(Clone, Default, PartialEq)]
pub struct Api {
    bearer: Option<String>,
    /// The session to tell about successful calls (the idle clock) and 401s (sign out).
    observer: Option<crate::session::Session>,
}

// Hand-written so a token never lands in a log line through `{:?}`.
impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Api {
    /// An API handle that sends no credentials (health check, sign-in).
    pub fn anonymous() -> Self {
        Self {
            bearer: None,
            observer: None,
        }
    }

    /// An API handle that sends `Authorization: Bearer <token>` on every request.
    pub fn with_bearer(token: impl Into<String>) -> Self {
        Self {
            bearer: Some(token.into()),
            observer: None,
        }
    }

    /// The same handle, reporting to `session` after each call: a success resets the idle
    /// clock, a 401 ends the session (so no page handles an expired session itself).
    pub fn observed_by(mut self, session: crate::session::Session) -> Self {
        self.observer = Some(session);
        self
    }

    /// `GET path`, decoding a JSON answer.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send::<(), T>(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body, decoding a JSON answer (`()` for 204 No Content).
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send(Method::POST, path, Some(body)).await
    }

    /// `PUT path` with a JSON body, decoding a JSON answer (`()` for 204 No Content).
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// `DELETE path`, expecting no body back.
    pub async fn delete(&self, path: &str) -> Result<(), ApiError> {
        self.send::<(), ()>(Method::DELETE, path, None).await
    }

    /// `GET path`, decoding a JSON answer, with the answer's `ETag` (a record's version, to
    /// send back in `If-Match` when changing it).
    pub async fn get_with_etag<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, Option<String>), ApiError> {
        self.send_with::<(), T>(Method::GET, path, None, None).await
    }

    /// `POST path` with `If-Match: etag` (only if the resource is still at that version);
    /// returns the answer and its new `ETag`. 412 when someone changed it meanwhile.
    pub async fn post_if_match<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        etag: &str,
    ) -> Result<(T, Option<String>), ApiError> {
        self.send_with(Method::POST, path, Some(body), Some(etag))
            .await
    }

    /// `PUT path` with `If-Match: etag`; returns the answer and its new `ETag`.
    pub async fn put_if_match<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        etag: &str,
    ) -> Result<(T, Option<String>), ApiError> {
        self.send_with(Method::PUT, path, Some(body), Some(etag))
            .await
    }

    /// `DELETE path` with `If-Match: etag`, expecting no body back.
    pub async fn delete_if_match(&self, path: &str, etag: &str) -> Result<(), ApiError> {
        self.send_with::<(), ()>(Method::DELETE, path, None, Some(etag))
            .await
            .map(|(answer, _)| answer)
    }

    /// `GET path` for a file (a report download): the bytes, with the media type and the
    /// file name the server gave. Fetched with the bearer token like every call, so the page
    /// then offers it as a `blob:` link (a plain link would need a cookie the API never sets).
    pub async fn get_file(&self, path: &str) -> Result<FileDownload, ApiError> {
        let controller = AbortController::new().ok();
        let _timer = controller
            .clone()
            .map(|controller| Timeout::new(DOWNLOAD_TIMEOUT_MS, move || controller.abort()));
        let mut builder = RequestBuilder::new(path)
            .method(Method::GET)
            .header("Accept", "*/*")
            .abort_signal(controller.as_ref().map(|c| c.signal()).as_ref());
        if let Some(token) = &self.bearer {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let request = builder.build().map_err(|err| ApiError::Unexpected {
            status: 0,
            detail: format!("could not build the request: {err}"),
        })?;
        let started = js_sys::Date::now();
        let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
        let outcome = if response.ok() {
            let media_type = response.headers().get("content-type").unwrap_or_default();
            let file_name = response
                .headers()
                .get("content-disposition")
                .and_then(|d| file_name_of(&d))
                .unwrap_or_else(|| "report".to_owned());
            response
                .binary()
                .await
                .map(|bytes| FileDownload {
                    bytes,
                    media_type,
                    file_name,
                })
                .map_err(|_| ApiError::Unavailable)
        } else {
            match decode::<serde_json::Value>(response).await {
                Err(err) => Err(err),
                Ok(_) => Err(ApiError::Unexpected {
                    status: 0,
                    detail: "an error without a body".to_owned(),
                }),
            }
        };
        self.observe(&outcome, started);
        outcome
    }

    /// `POST path` with a file as the body (`text/csv`), reporting upload progress (0 to
    /// 100) as it goes: an XMLHttpRequest, because `fetch` cannot report upload progress.
    pub async fn upload_file<T: DeserializeOwned>(
        &self,
        path: &str,
        file: &web_sys::File,
        on_progress: impl Fn(f64) + 'static,
    ) -> Result<T, ApiError> {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiError::Unavailable)?;
        xhr.open("POST", path).map_err(|_| ApiError::Unavailable)?;
        let _ = xhr.set_request_header("Accept", "application/json, application/problem+json");
        let _ = xhr.set_request_header("Content-Type", "text/csv");
        if let Some(token) = &self.bearer {
            let _ = xhr.set_request_header("Authorization", &format!("Bearer {token}"));
        }
        let progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    on_progress((e.loaded() / e.total() * 100.0).floor());
                }
            });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        let done = js_sys::Promise::new(&mut |resolve, reject| {
            xhr.set_onload(Some(&resolve));
            xhr.set_onerror(Some(&reject));
            xhr.set_onabort(Some(&reject));
        });
        let started = js_sys::Date::now();
        xhr.send_with_opt_blob(Some(file))
            .map_err(|_| ApiError::Unavailable)?;
        let sent = wasm_bindgen_futures::JsFuture::from(done).await;
        drop(progress);
        if sent.is_err() {
            return Err(ApiError::Unavailable);
        }
        let status = xhr.status().unwrap_or(0);
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        let content_type = xhr
            .get_response_header("content-type")
            .ok()
            .flatten()
            .unwrap_or_default();
        let outcome = decode_parts(status, &content_type, None, &text);
        self.observe(&outcome, started);
        outcome
    }

    fn observe<T>(&self, outcome: &Result<T, ApiError>, started: f64) {
        if let (Some(session), Some(token)) = (&self.observer, &self.bearer) {
            match outcome {
                Ok(_) => session.on_success(token, started),
                Err(err) if err.is_unauthorized() => session.on_unauthorized(token),
                Err(_) => {}
            }
        }
    }

    /// The one place a request is built, sent and its answer mapped.
    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        self.send_with(method, path, body, None)
            .await
            .map(|(answer, _)| answer)
    }

    /// [`Api::send`] with an optional `If-Match`, also returning the answer's `ETag`.
    async fn send_with<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        if_match: Option<&str>,
    ) -> Result<(T, Option<String>), ApiError> {
        debug_assert!(
            path.starts_with('/'),
            "API paths are same-origin and absolute"
        );

        // Abort the fetch after TIMEOUT_MS; dropping `_timer` (on any return) cancels it.
        let controller = AbortController::new().ok();
        let _timer = controller
            .clone()
            .map(|controller| Timeout::new(TIMEOUT_MS, move || controller.abort()));

        let mut builder = RequestBuilder::new(path)
            .method(method)
            .header("Accept", "application/json, application/problem+json")
            .abort_signal(controller.as_ref().map(|c| c.signal()).as_ref());
        if let Some(token) = &self.bearer {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        if let Some(etag) = if_match {
            builder = builder.header("If-Match", etag);
        }
        let request = match body {
            Some(body) => builder.json(body).map_err(|err| ApiError::Unexpected {
                status: 0,
                detail: format!("could not encode the request: {err}"),
            })?,
            None => builder.build().map_err(|err| ApiError::Unexpected {
                status: 0,
                detail: format!("could not build the request: {err}"),
            })?,
        };

        let started = js_sys::Date::now();
        // A fetch that fails outright (refused, DNS, offline, aborted) never reached the API.
        let response = request.send().await.map_err(|_| ApiError::Unavailable)?;
        let etag = response.headers().get("etag");
        let outcome = decode(response).await.map(|answer| (answer, etag));
        if let (Some(session), Some(token)) = (&self.observer, &self.bearer) {
            match &outcome {
                Ok(_) => session.on_success(token, started),
                Err(err) if err.is_unauthorized() => session.on_unauthorized(token),
                Err(_) => {}
            }
        }
        outcome
    }
}

/// A large report takes longer than an ordinary call.
const DOWNLOAD_TIMEOUT_MS: u32 = 120_000;

/// A file the API sent.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDownload {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub file_name: String,
}

/// The `filename` of a `Content-Disposition: attachment; filename="..."` header.
pub fn file_name_of(disposition: &str) -> Option<String> {
    let start = disposition.find("filename=")? + "filename=".len();
    let name = disposition[start..]
        .split(';')
        .next()?
        .trim()
        .trim_matches('"');
    (!name.is_empty()).then(|| name.to_owned())
}

/// The problem extension under which [`decode`] keeps a 429's `Retry-After` (seconds), so
/// a page can say how long to wait.
pub const RETRY_AFTER_EXTENSION: &str = "retry_after_seconds";

/// Maps an HTTP answer to the caller's type or an [`ApiError`].
async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.trim().parse::<u64>().ok());
    let is_problem = response
        .headers()
        .get("content-type")
        .is_some_and(|content_type| content_type.starts_with(PROBLEM_JSON));
    // A body that cannot be read (connection dropped mid-answer) is an outage, not a bug.
    let text = response.text().await.map_err(|_| ApiError::Unavailable)?;
    let content_type = if is_problem { PROBLEM_JSON } else { "" };
    decode_parts(status, content_type, retry_after, &text)
}

/// [`decode`] from the parts of an answer (also what an XMLHttpRequest gives).
fn decode_parts<T: DeserializeOwned>(
    status: u16,
    content_type: &str,
    retry_after: Option<u64>,
    text: &str,
) -> Result<T, ApiError> {
    let is_problem = content_type.starts_with(PROBLEM_JSON);
    if (200..300).contains(&status) {
        // 204 No Content (and an empty 200) decode as JSON `null`, i.e. `()` or `None`.
        let json = if text.trim().is_empty() { "null" } else { text };
        return serde_json::from_str(json).map_err(|err| ApiError::Unexpected {
            status,
            detail: format!("the answer did not match the expected shape: {err}"),
        });
    }

    if is_problem {
        if let Ok(mut problem) = serde_json::from_str::<Problem>(text) {
            if let Some(seconds) = retry_after {
                problem
                    .extensions
                    .insert(RETRY_AFTER_EXTENSION.to_owned(), seconds.into());
            }
            return Err(ApiError::Problem(problem));
        }
    }
    if status >= 500 {
        // A proxy's HTML error page or a crash: nothing the user can act on but to wait.
        return Err(ApiError::Unavailable);
    }
    Err(ApiError::Unexpected {
        status,
        detail: format!("HTTP {status} without a problem body"),
    })
}

/// `GET /health`: is the server up? The app calls this once at start.
pub async fn health() -> Result<HealthStatus, ApiError> {
    Api::anonymous().get("/health").await
}
