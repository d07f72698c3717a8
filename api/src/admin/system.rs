//! `/api/v1/admin/system...`: what an administrator checks when something seems wrong —
//! version, database and migration level, where mail goes, a few counts — and a test email
//! that reports the mail server's own answer. Both need `admin.users` (the helpdesk role).

use actix_web::{web, HttpResponse};
use s117_shared::email::EmailAddress;
use s117_shared::problem::Problem;
use s117_shared::system::{SystemStatus, TestEmailRequest, TestEmailResult};
use serde_json::json;

use super::store;
use crate::audit::{self, Entry, Outcome};
use crate::authn::{perm, Actor, RequestMeta, Require};
use crate::error::ApiError;
use crate::mail::Email;
use crate::startup::AppState;

type Admin = Require<perm::AdminUsers>;

/// Version, database, migration level, mail mode and counts.
#[utoipa::path(get, path = "/api/v1/admin/system", operation_id = "system_status", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SystemStatus),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn status(state: web::Data<AppState>, _admin: Admin) -> Result<HttpResponse, ApiError> {
    let db = &state.db;
    // The audit entry count includes searches still in the SQLite queue.
    state.audit.flush().await?;
    Ok(HttpResponse::Ok().json(SystemStatus {
        version: env!("CARGO_PKG_VERSION").into(),
        database: db.kind().as_str().into(),
        migration_level: db.migration_level().await?,
        latest_migration: db.latest_known_migration(),
        mail_mode: if state.mailer.is_development() {
            "development"
        } else {
            "smtp"
        }
        .into(),
        mail_destination: state.mailer.describe(),
        counts: store::system_counts(db).await?,
    }))
}

/// Sends a test email now (to the administrator when no address is given) and reports what
/// the mail server answered, or why it could not be sent. Audited either way.
#[utoipa::path(post, path = "/api/v1/admin/system/test-email", operation_id = "system_test_email", tag = "admin", security(("bearer" = [])),
    request_body = TestEmailRequest,
    responses((status = 200, description = "Sent or not: `sent` and the server's `answer` say which", body = TestEmailResult),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn test_email(
    state: web::Data<AppState>,
    admin: Admin,
    meta: RequestMeta,
    body: web::Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<HttpResponse, ApiError> {
    // Read as an object first: serde accepts a JSON array for a struct too (`[]` would be
    // "no address"), and every field here is optional.
    let body: TestEmailRequest =
        serde_json::from_value(serde_json::Value::Object(body.into_inner()))
            .map_err(|e| ApiError::BadRequest(format!("The JSON body is not valid: {e}")))?;
    let to = if body.to.trim().is_empty() {
        match &admin.0.actor {
            Actor::User { email, .. } => email.clone(),
            Actor::Client { .. } => {
                return Err(ApiError::validation("to", "Enter an email address"))
            }
        }
    } else {
        match EmailAddress::parse(&body.to) {
            Ok(e) => e.as_str().to_string(),
            Err(message) => return Err(ApiError::validation("to", message)),
        }
    };
    let (sent, answer) = match state.mailer.send_now(&to, &Email::Test).await {
        Ok(reply) => (true, reply),
        Err(e) => (false, e.to_string()),
    };
    let outcome = if sent {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    audit::write_alone(
        &state.db,
        &Entry::new(
            "admin.test_email",
            outcome,
            Some(&admin.0),
            &meta,
            state.clock.now(),
        )
        .details(json!({ "to": to, "answer": answer })),
    )
    .await?;
    Ok(HttpResponse::Ok().json(TestEmailResult { to, sent, answer }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/system").route(web::get().to(status)))
        .service(web::resource("/admin/system/test-email").route(web::post().to(test_email)));
}
