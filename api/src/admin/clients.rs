//! `/api/v1/admin/clients...`: API clients for other council systems. A secret is shown
//! once, on create and on rotate, and stored only as an argon2 hash.

use actix_web::{web, HttpResponse};
use s117_shared::admin::{client_may_hold, ApiClient, ClientSecret, CreateClientRequest};
use s117_shared::problem::Problem;
use s117_shared::validation::FieldErrors;
use serde_json::json;

use super::store;
use crate::audit::{self, Entry, Outcome};
use crate::auth::{secrets, store as auth_store};
use crate::authn::{perm, RequestMeta, Require};
use crate::error::ApiError;
use crate::startup::AppState;

type ClientAdmin = Require<perm::AdminClients>;

/// Every API client, revoked ones last.
#[utoipa::path(get, path = "/api/v1/admin/clients", operation_id = "list_clients", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiClient>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: ClientAdmin,
) -> Result<HttpResponse, ApiError> {
    let rows = auth_store::clients(&state.db).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(|r| r.dto()).collect::<Vec<_>>()))
}

/// Creates a client; the response holds its secret, shown this once.
#[utoipa::path(post, path = "/api/v1/admin/clients", operation_id = "create_client", tag = "admin", security(("bearer" = [])), request_body = CreateClientRequest,
    responses((status = 201, body = ClientSecret), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    admin: ClientAdmin,
    meta: RequestMeta,
    body: web::Json<CreateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let name = body.name.trim();
    if name.is_empty() {
        errors.add(
            "name",
            "Enter a name for the client, such as the system that will use it",
        );
    } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.add(
            "name",
            "Name must be 100 characters or fewer, without control characters",
        );
    }
    if body.scopes.is_empty() {
        errors.add("scopes", "Select at least one scope");
    } else if body.scopes.iter().any(|p| !client_may_hold(p)) {
        errors.add(
            "scopes",
            "API clients can only be given record and report scopes",
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_map()));
    }
    let id = secrets::client_id();
    let secret = secrets::client_secret();
    let hash = state.hasher.hash(&secret).await?;
    let now = state.clock.now();
    let scopes = body.scopes.to_scope_string();
    let mut tx = state.db.begin().await?;
    store::insert_client(&mut tx, &id, name, &hash, &scopes, admin.user_id(), now).await?;
    let entry = Entry::new(
        "admin.client_created",
        Outcome::Success,
        Some(&admin.0),
        &meta,
        now,
    )
    .details(json!({ "client_id": id, "name": name, "scopes": scopes }));
    audit::write(&mut tx, &entry).await?;
    tx.commit().await?;
    let client = auth_store::client(&state.db, &id)
        .await?
        .expect("just created")
        .dto();
    Ok(HttpResponse::Created().json(ClientSecret {
        client,
        client_secret: secret,
    }))
}

/// Issues a new secret; the old one, and tokens issued with it, stop working.
#[utoipa::path(post, path = "/api/v1/admin/clients/{id}/rotate", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ClientSecret), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn rotate(
    state: web::Data<AppState>,
    admin: ClientAdmin,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let secret = secrets::client_secret();
    let hash = state.hasher.hash(&secret).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::rotate_client(&mut tx, &id, &hash, now).await? {
        return Err(ApiError::NotFound(
            "There is no active client with that id.",
        ));
    }
    audit::write(
        &mut tx,
        &Entry::new(
            "admin.client_rotated",
            Outcome::Success,
            Some(&admin.0),
            &meta,
            now,
        )
        .details(json!({ "client_id": *id })),
    )
    .await?;
    tx.commit().await?;
    let client = auth_store::client(&state.db, &id)
        .await?
        .expect("exists")
        .dto();
    Ok(HttpResponse::Ok().json(ClientSecret {
        client,
        client_secret: secret,
    }))
}

/// Revokes a client for good: its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/admin/clients/{id}/revoke", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ApiClient), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    state: web::Data<AppState>,
    admin: ClientAdmin,
    meta: RequestMeta,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::revoke_client(&mut tx, &id, now).await? {
        return Err(ApiError::NotFound(
            "There is no active client with that id.",
        ));
    }
    audit::write(
        &mut tx,
        &Entry::new(
            "admin.client_revoked",
            Outcome::Success,
            Some(&admin.0),
            &meta,
            now,
        )
        .details(json!({ "client_id": *id })),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(
        auth_store::client(&state.db, &id)
            .await?
            .expect("exists")
            .dto(),
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/clients")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/admin/clients/{id}/rotate").route(web::post().to(rotate)))
    .service(web::resource("/admin/clients/{id}/revoke").route(web::post().to(revoke)));
}
