//! Liveness (`/health`: the process answers) and readiness (`/ready`: the database answers).

use actix_web::{web, HttpResponse};
use s117_shared::system::HealthStatus;

use crate::error::ApiError;
use crate::startup::AppState;

/// The process is up. Never touches the database, so it stays fast under any load.
#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
        database: None,
    })
}

/// The database is reachable: load balancers send traffic only while this answers 200.
#[utoipa::path(get, path = "/ready", tag = "system",
    responses((status = 200, description = "Ready to serve", body = HealthStatus),
              (status = 503, description = "The database cannot be reached", body = s117_shared::problem::Problem, content_type = "application/problem+json")))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::Unavailable("The database cannot be reached.".into())
    })?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
        database: Some(state.db.kind().as_str().into()),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health").route(web::get().to(health)))
        .service(web::resource("/ready").route(web::get().to(ready)));
}
