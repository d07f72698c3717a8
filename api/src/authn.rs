//! Who is calling, and may they? The one mechanism every endpoint uses.
//!
//! Handlers name what they need in their signature, and the extractor refuses before the
//! handler runs:
//! - [`Require<P>`]: a signed-in user or an API client holding permission `P` (for a client,
//!   `P` must be among its token's scopes *and* its current scopes);
//! - [`SignedIn`]: any signed-in user or API client;
//! - [`UserSession`]: a user, even one who must still change their password (only the
//!   endpoints that let them do so use it);
//! - [`ClientOnly`]: an API client.
//!
//! A user token is only as good as its session: every request checks the session is live,
//! not idle longer than `S117_IDLE_TIMEOUT_MINUTES` and not past its absolute limit, reads the
//! user's permissions afresh (at most a second old, and at once for a change made through
//! this server: session_cache.rs) and records the activity.
//! Failures are 401 problem+json with one generic message; a missing permission is 403.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Duration, Utc};
use s117_shared::permissions::{Permission, PermissionSet};

use crate::error::ApiError;
use crate::http::RequestId;
use crate::on_db;
use crate::session_cache::SessionRow;
use crate::startup::AppState;
use crate::tokens::TokenKind;

const NOT_SIGNED_IN: &str = "Sign in to continue. Your session may have ended.";
/// Session activity is written at most this often (each request still checks the idle limit).
const TOUCH_EVERY_SECONDS: i64 = 15;

#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    User {
        id: i64,
        session_id: String,
        email: String,
        name: String,
        must_change_password: bool,
        session_expires_at: DateTime<Utc>,
    },
    Client {
        id: String,
        name: String,
    },
}

/// An authenticated caller and what it may do now.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub permissions: PermissionSet,
}

impl Caller {
    pub fn user_id(&self) -> Option<i64> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            Actor::Client { .. } => None,
        }
    }
    pub fn client_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::Client { id, .. } => Some(id),
            Actor::User { .. } => None,
        }
    }
    /// How the audit log names the caller (email or client name at the time).
    pub fn label(&self) -> String {
        match &self.actor {
            Actor::User { email, .. } => email.clone(),
            Actor::Client { id, name } => format!("client {id} ({name})"),
        }
    }
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(p)
    }
}

/// Where a request came from, for the audit log and rate limits.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl RequestMeta {
    pub fn of(req: &HttpRequest) -> RequestMeta {
        // The TCP peer, not X-Forwarded-For: a client could write anything there, and the
        // per-IP sign-in limits must not be that easy to step around.
        RequestMeta {
            ip: req.peer_addr().map(|a| a.ip().to_string()),
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        }
    }
}

impl FromRequest for RequestMeta {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(RequestMeta::of(req)))
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn state(req: &HttpRequest) -> web::Data<AppState> {
    req.app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone()
}

/// Resolves the bearer token of `req` into a caller of the given kind.
async fn authenticate(req: &HttpRequest, kinds: &[TokenKind]) -> Result<Caller, ApiError> {
    let state = state(req);
    let token = bearer(req).ok_or(ApiError::Unauthorized(NOT_SIGNED_IN))?;
    let now = state.clock.now();
    let mut last_err = None;
    for kind in kinds {
        match state.keys.verify(&token, *kind, now) {
            Ok(claims) => {
                return match kind {
                    TokenKind::User => user_caller(&state, &claims, now).await,
                    TokenKind::Client => client_caller(&state, &claims).await,
                }
            }
            Err(e) => last_err = Some(e),
        }
    }
    tracing::info!(reason = %last_err.map(|e| e.to_string()).unwrap_or_default(), "token refused");
    Err(ApiError::Unauthorized(NOT_SIGNED_IN))
}

async fn user_caller(
    state: &AppState,
    claims: &crate::tokens::Claims,
    now: DateTime<Utc>,
) -> Result<Caller, ApiError> {
    let sid = claims
        .sid
        .as_deref()
        .ok_or(ApiError::Unauthorized(NOT_SIGNED_IN))?;
    let row = match state.sessions.get(sid) {
        Some(row) => row,
        None => {
            let sql = "SELECT s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, u.email, u.name, u.status, u.permissions,
                              u.must_change_password
                       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";
            let row: Option<SessionRow> =
                on_db!(&state.db, p => sqlx::query_as(sql).bind(sid).fetch_optional(p).await)?;
            let row = row.ok_or(ApiError::Unauthorized(NOT_SIGNED_IN))?;
            state.sessions.put(sid, row.clone());
            row
        }
    };
    let idle = Duration::minutes(state.config.idle_timeout_minutes as i64);
    if row.revoked_at.is_some()
        || row.status != "active"
        || now >= row.expires_at
        || now - row.last_seen_at > idle
        || claims.sub != format!("user:{}", row.user_id)
    {
        return Err(ApiError::Unauthorized(NOT_SIGNED_IN));
    }
    if now - row.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECONDS)
        && state.sessions.claim_touch(sid, row.last_seen_at, now)
    {
        let sql = "UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND revoked_at IS NULL";
        on_db!(&state.db, p => sqlx::query(sql).bind(sid).bind(now).execute(p).await.map(|_| ()))?;
    }
    Ok(Caller {
        permissions: PermissionSet::from_stored(&row.permissions),
        actor: Actor::User {
            id: row.user_id,
            session_id: sid.to_string(),
            email: row.email,
            name: row.name,
            must_change_password: row.must_change_password,
            session_expires_at: row.expires_at,
        },
    })
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    name: String,
    scopes: String,
    revoked_at: Option<DateTime<Utc>>,
    rotated_at: Option<DateTime<Utc>>,
}

async fn client_caller(
    state: &AppState,
    claims: &crate::tokens::Claims,
) -> Result<Caller, ApiError> {
    let id = claims
        .sub
        .strip_prefix("client:")
        .ok_or(ApiError::Unauthorized(NOT_SIGNED_IN))?;
    let sql = "SELECT name, scopes, revoked_at, rotated_at FROM api_clients WHERE id = $1";
    let row: Option<ClientRow> =
        on_db!(&state.db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    let row = row.ok_or(ApiError::Unauthorized(NOT_SIGNED_IN))?;
    // A revoked client, or a token issued before the secret was rotated, no longer works.
    if row.revoked_at.is_some() || row.rotated_at.is_some_and(|r| claims.iat < r.timestamp()) {
        return Err(ApiError::Unauthorized(NOT_SIGNED_IN));
    }
    let granted = PermissionSet::from_stored(claims.scope.as_deref().unwrap_or(""));
    let current = PermissionSet::from_stored(&row.scopes);
    Ok(Caller {
        permissions: granted.intersection(&current),
        actor: Actor::Client {
            id: id.to_string(),
            name: row.name,
        },
    })
}

fn refuse_until_password_changed(caller: &Caller) -> Result<(), ApiError> {
    match &caller.actor {
        Actor::User {
            must_change_password: true,
            ..
        } => Err(ApiError::Forbidden(
            "You must change your password before you can do anything else.",
        )),
        _ => Ok(()),
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// A permission an endpoint requires, as a type (see [`perm`]).
pub trait Needs: 'static {
    const PERMISSION: Permission;
}

/// A caller holding permission `P`.
pub struct Require<P: Needs>(pub Caller, PhantomData<P>);

impl<P: Needs> std::ops::Deref for Require<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: Needs> FromRequest for Require<P> {
    type Error = actix_web::Error;
    type Future = BoxFuture<Self>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req, &[TokenKind::User, TokenKind::Client]).await?;
            refuse_until_password_changed(&caller)?;
            if !caller.can(P::PERMISSION) {
                return Err(ApiError::Forbidden(
                    "Your account does not have the permission this needs.",
                )
                .into());
            }
            Ok(Require(caller, PhantomData))
        })
    }
}

/// Any signed-in caller (user or API client).
pub struct SignedIn(pub Caller);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = BoxFuture<Self>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req, &[TokenKind::User, TokenKind::Client]).await?;
            refuse_until_password_changed(&caller)?;
            Ok(SignedIn(caller))
        })
    }
}

/// A signed-in user, allowed even while they must change their password.
pub struct UserSession(pub Caller);

impl FromRequest for UserSession {
    type Error = actix_web::Error;
    type Future = BoxFuture<Self>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(UserSession(authenticate(&req, &[TokenKind::User]).await?)) })
    }
}

/// An API client (machine token).
pub struct ClientOnly(pub Caller);

impl FromRequest for ClientOnly {
    type Error = actix_web::Error;
    type Future = BoxFuture<Self>;
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(ClientOnly(authenticate(&req, &[TokenKind::Client]).await?)) })
    }
}

/// One marker type per permission, for `Require<perm::RecordsView>` and so on.
pub mod perm {
    use super::Needs;
    use s117_shared::permissions::Permission;

    macro_rules! needs {
        ($($name:ident),* $(,)?) => {$(
            pub struct $name;
            impl Needs for $name { const PERMISSION: Permission = Permission::$name; }
        )*};
    }
    needs!(
        RecordsView,
        RecordsCreate,
        RecordsEdit,
        RecordsEnd,
        RecordsDelete,
        RecordsImport,
        ReportsView,
        ReportsDownload,
        AdminUsers,
        AdminReference,
        AdminClients,
        AuditView,
    );
}
