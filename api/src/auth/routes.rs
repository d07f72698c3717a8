//! Sign-in, session and account endpoints (HTTP only).

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use s117_shared::auth::{
    ChangePasswordRequest, ClientIdentity, ClientTokenResponse, LoginChallenge, LoginRequest, Me,
    ResendRequest, TokenResponse, VerifyRequest,
};
use s117_shared::problem::Problem;
use serde::Deserialize;

use super::service::{self, ClientCredentials};
use crate::authn::{Actor, ClientOnly, RequestMeta, UserSession};
use crate::error::ApiError;
use crate::startup::AppState;

/// Step 1 of signing in: email and password. Emails a 6-digit security code.
///
/// A wrong email or password, a locked or a disabled account all get the same 401.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 202, description = "A security code was emailed", body = LoginChallenge),
        (status = 401, description = "Wrong email or password (or the account cannot sign in)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The security code could not be emailed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let challenge = service::login(&state, &meta, body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(challenge))
}

/// Step 2: the emailed security code. Returns the access token of a new session.
#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong, used or expired code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(service::verify(&state, &meta, body.into_inner()).await?))
}

/// Sends a new security code for an open sign-in (limited to a few per 10 minutes).
#[utoipa::path(post, path = "/api/v1/auth/resend", tag = "auth", request_body = ResendRequest,
    responses(
        (status = 202, description = "A new code was emailed; the old one no longer works", body = LoginChallenge),
        (status = 401, description = "The sign-in has expired: start again", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many codes sent", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The security code could not be emailed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resend(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<ResendRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(service::resend(&state, &meta, &body.challenge_id).await?))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"),
              (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")))]
pub async fn logout(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: UserSession,
) -> Result<HttpResponse, ApiError> {
    service::logout(&state, &meta, &caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenForm {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// Or send the id and secret with HTTP Basic authentication.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated subset of the client's scopes (default: all of them).
    pub scope: Option<String>,
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// OAuth 2.0 client credentials grant (RFC 6749 §4.4) for other council systems.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A short-lived token limited to the client's scopes", body = ClientTokenResponse),
        (status = 400, description = "Unsupported grant or scope (`error` member as in RFC 6749)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown, revoked or wrong client credentials (`error`: invalid_client)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let (client_id, client_secret) =
        match (form.client_id, form.client_secret, basic_credentials(&req)) {
            (Some(id), Some(secret), _) => (id, secret),
            (_, _, Some(basic)) => basic,
            _ => (String::new(), String::new()),
        };
    let creds = ClientCredentials {
        grant_type: form.grant_type,
        client_id,
        client_secret,
        scope: form.scope,
    };
    let token = service::client_token(&state, &meta, creds).await?;
    Ok(HttpResponse::Ok().json(token))
}

/// The signed-in user: name, permissions and session limits.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = Me),
              (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")))]
pub async fn me(state: web::Data<AppState>, caller: UserSession) -> Result<HttpResponse, ApiError> {
    let Actor::User {
        id,
        email,
        name,
        must_change_password,
        session_expires_at,
        ..
    } = &caller.0.actor
    else {
        return Err(ApiError::Unauthorized("Sign in to continue."));
    };
    Ok(HttpResponse::Ok().json(Me {
        id: *id,
        email: email.clone(),
        name: name.clone(),
        permissions: caller.0.permissions.clone(),
        must_change_password: *must_change_password,
        idle_timeout_minutes: state.config.idle_timeout_minutes,
        session_expires_at: *session_expires_at,
    }))
}

/// Changes the signed-in user's password (and ends their other sessions).
#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204, description = "Password changed"),
              (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "The new password breaks a rule, or the current one is wrong", body = Problem, content_type = "application/problem+json")))]
pub async fn change_password(
    state: web::Data<AppState>,
    meta: RequestMeta,
    caller: UserSession,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    service::change_password(&state, &meta, &caller.0, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The calling API client (machine tokens only).
#[utoipa::path(get, path = "/api/v1/client", tag = "auth", security(("client_credentials" = [])),
    responses((status = 200, description = "The calling client and its granted scopes", body = ClientIdentity),
              (status = 401, description = "Not a valid client token", body = Problem, content_type = "application/problem+json")))]
pub async fn client(caller: ClientOnly) -> Result<HttpResponse, ApiError> {
    let Actor::Client { id, name } = &caller.0.actor else {
        return Err(ApiError::Unauthorized("Use a client token."));
    };
    Ok(HttpResponse::Ok().json(ClientIdentity {
        client_id: id.clone(),
        name: name.clone(),
        scopes: caller.0.permissions.clone(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/verify").route(web::post().to(verify)))
        .service(web::resource("/auth/resend").route(web::post().to(resend)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/auth/token").route(web::post().to(token)))
        .service(web::resource("/me").route(web::get().to(me)))
        .service(web::resource("/me/password").route(web::put().to(change_password)))
        .service(web::resource("/client").route(web::get().to(client)));
}
