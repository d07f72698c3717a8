//! `/api/v1/admin/users...`: accounts, permissions, unlock, password reset, disable/enable.

use actix_web::{web, HttpResponse};
use s117_shared::admin::{CreateUserRequest, UpdateUserRequest, User};
use s117_shared::email::EmailAddress;
use s117_shared::page::Page;
use s117_shared::permissions::Permission;
use s117_shared::problem::Problem;
use s117_shared::validation::FieldErrors;
use serde::Deserialize;
use serde_json::json;

use super::store;
use crate::audit::{self, Entry, Outcome};
use crate::auth::{secrets, store as auth_store};
use crate::authn::{perm, Caller, RequestMeta, Require};
use crate::db::is_unique_violation;
use crate::error::ApiError;
use crate::mail::Email;
use crate::startup::AppState;

type Admin = Require<perm::AdminUsers>;

/// The status filter for active accounts that must change their password.
pub const MUST_CHANGE_PASSWORD: &str = "must_change_password";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of a name or email address.
    #[serde(default)]
    pub q: String,
    /// Only users with this status: `active`, `locked`, `disabled`, or
    /// `must_change_password` (active accounts whose password must be changed at next sign-in).
    #[param(value_type = Option<String>)]
    pub status: Option<String>,
    #[serde(default = "s117_shared::page::default_page")]
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: u32,
    #[serde(default = "s117_shared::page::default_per_page")]
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: u32,
}

/// Users, searchable by name or email, filterable by status.
#[utoipa::path(get, path = "/api/v1/admin/users", operation_id = "list_users", tag = "admin", security(("bearer" = [])), params(UserQuery),
    responses((status = 200, description = "One page of users", body = Page<User>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, offset) = s117_shared::page::limit_offset(query.page, query.per_page)?;
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = status {
        if s117_shared::admin::UserStatus::parse(s).is_none() && s != MUST_CHANGE_PASSWORD {
            return Err(ApiError::validation(
                "status",
                "Status must be active, locked, disabled or must_change_password",
            ));
        }
    }
    let (rows, total) = store::users(&state.db, &query.q, status, limit, offset).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| r.dto()).collect(),
        total,
        page: query.page,
        per_page: query.per_page,
    }))
}

async fn load(state: &AppState, id: i64) -> Result<auth_store::UserRow, ApiError> {
    auth_store::user_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("There is no user with that id."))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", operation_id = "get_user", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, *id).await?.dto()))
}

fn validate_name(errors: &mut FieldErrors, name: &str) {
    let name = name.trim();
    if name.is_empty() {
        errors.add("name", "Enter the person's name");
    } else if name.chars().count() > 100 {
        errors.add("name", "Name must be 100 characters or fewer");
    } else if name.chars().any(char::is_control) {
        errors.add("name", "Name must not contain control characters");
    }
}

/// Creates an account and emails its one-time password (changed at first sign-in). If the
/// email cannot be sent, nothing is created (503).
#[utoipa::path(post, path = "/api/v1/admin/users", operation_id = "create_user", tag = "admin", security(("bearer" = [])), request_body = CreateUserRequest,
    responses((status = 201, description = "Created; the password was emailed", body = User),
              (status = 409, description = "An account with this email exists", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 503, description = "The email could not be sent; no account was created", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    admin: Admin,
    meta: RequestMeta,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let email = EmailAddress::parse(&body.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    validate_name(&mut errors, &body.name);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_map()));
    }
    let email = email.expect("checked above");
    let user = create_user(
        &state,
        Some(&admin.0),
        &meta,
        email.as_str(),
        body.name.trim(),
        &body.permissions.to_scope_string(),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/admin/users/{}", user.id),
        ))
        .json(user))
}

/// Creates a user with a one-time password and emails it (used by the API and by
/// `s117 create-admin`).
pub async fn create_user(
    state: &AppState,
    by: Option<&Caller>,
    meta: &RequestMeta,
    email: &str,
    name: &str,
    permissions: &str,
) -> Result<User, ApiError> {
    let password = secrets::one_time_password();
    let hash = state.hasher.hash(&password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let id = match store::insert_user(&mut tx, email, name, &hash, permissions, now).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(ApiError::Conflict {
                code: "duplicate-user",
                title: "An account with this email address already exists",
                detail: "Find the existing account in the list of users.".into(),
                extensions: Default::default(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let entry = Entry::new("admin.user_created", Outcome::Success, by, meta, now)
        .target_user(id)
        .details(json!({ "email": email, "permissions": permissions }));
    let entry = if by.is_none() {
        entry.actor(None, "s117 create-admin")
    } else {
        entry
    };
    audit::write(&mut tx, &entry).await?;
    // Committed before the email goes: no database lock is held while the mail server
    // answers. If the email cannot be sent, the account is removed again, so nobody is left
    // with an account whose password no one knows.
    tx.commit().await?;
    let mail = Email::AccountCreated {
        name: name.to_string(),
        email: email.to_string(),
        one_time_password: password,
        sign_in_url: crate::mail::sign_in_url(&state.config),
    };
    if let Err(e) = state.mailer.send_now(email, &mail).await {
        tracing::warn!(error = %e, "could not send the account-created email; removing the account");
        let mut undo = state.db.begin().await?;
        store::delete_new_user(&mut undo, id).await?;
        let entry = Entry::new(
            "admin.user_created",
            Outcome::Failure,
            by,
            meta,
            state.clock.now(),
        )
        .target_user(id)
        .details(json!({ "email": email, "reason": "email_not_sent" }));
        let entry = if by.is_none() {
            entry.actor(None, "s117 create-admin")
        } else {
            entry
        };
        audit::write(&mut undo, &entry).await?;
        undo.commit().await?;
        return Err(ApiError::Unavailable("We could not email the new account's password, so the account was not created. Try again later.".into()));
    }
    Ok(auth_store::user_by_id(&state.db, id)
        .await?
        .expect("just created")
        .dto())
}

/// Changes a user's name and permissions. An administrator cannot remove their own
/// `admin.users`, and the last active administrator keeps it.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}", operation_id = "update_user", tag = "admin", security(("bearer" = [])), request_body = UpdateUserRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Would leave no administrator", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    admin: Admin,
    meta: RequestMeta,
    id: web::Path<i64>,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let mut errors = FieldErrors::new();
    validate_name(&mut errors, &body.name);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_map()));
    }
    let before = load(&state, id).await?;
    let removing_admin = before.permission_set().contains(Permission::AdminUsers)
        && !body.permissions.contains(Permission::AdminUsers);
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if removing_admin {
        if admin.user_id() == Some(id) {
            return Err(last_admin(
                "You cannot remove your own permission to administer users.",
            ));
        }
        if before.status == "active" && store::other_active_admins(&mut tx, id).await? == 0 {
            return Err(last_admin("This is the last active administrator: give another account that permission first."));
        }
    }
    let permissions = body.permissions.to_scope_string();
    store::update_user(&mut tx, id, body.name.trim(), &permissions, now).await?;
    let entry = Entry::new("admin.user_updated", Outcome::Success, Some(&admin.0), &meta, now)
        .target_user(id)
        .details(json!({ "name": { "old": before.name, "new": body.name.trim() }, "permissions": { "old": before.permissions, "new": permissions } }));
    audit::write(&mut tx, &entry).await?;
    tx.commit().await?;
    state.sessions.forget_all();
    Ok(HttpResponse::Ok().json(load(&state, id).await?.dto()))
}

fn last_admin(detail: &str) -> ApiError {
    ApiError::Conflict {
        code: "last-administrator",
        title: "There must always be an administrator",
        detail: detail.into(),
        extensions: Default::default(),
    }
}

#[derive(Clone, Copy)]
enum Action {
    Disable,
    Enable,
    Unlock,
    ResetPassword,
    EndSessions,
}

async fn act(
    state: &AppState,
    admin: &Caller,
    meta: &RequestMeta,
    id: i64,
    action: Action,
) -> Result<User, ApiError> {
    let user = load(state, id).await?;
    let now = state.clock.now();
    // A reset's new password exists only in its email: send it before anything changes and
    // with no transaction open, so a slow mail server holds no lock; if it cannot be sent,
    // nothing changes.
    let reset_hash = if let Action::ResetPassword = action {
        let password = secrets::one_time_password();
        let hash = state.hasher.hash(&password).await?;
        let reset = Email::PasswordReset {
            name: user.name.clone(),
            one_time_password: password,
            sign_in_url: crate::mail::sign_in_url(&state.config),
        };
        if let Err(e) = state.mailer.send_now(&user.email, &reset).await {
            tracing::warn!(error = %e, "could not send the password-reset email");
            return Err(ApiError::Unavailable("We could not email the new password, so the password was not reset. Try again later.".into()));
        }
        Some(hash)
    } else {
        None
    };
    let mut tx = state.db.begin().await?;
    let name = match action {
        Action::Disable => {
            if admin.user_id() == Some(id) {
                return Err(last_admin("You cannot disable your own account."));
            }
            if user.permission_set().contains(Permission::AdminUsers)
                && store::other_active_admins(&mut tx, id).await? == 0
            {
                return Err(last_admin(
                    "This is the last active administrator and cannot be disabled.",
                ));
            }
            store::set_status(&mut tx, id, "disabled", now).await?;
            auth_store::revoke_sessions(&mut tx, id, None, now).await?;
            "admin.user_disabled"
        }
        Action::Enable => {
            store::set_status(&mut tx, id, "active", now).await?;
            "admin.user_enabled"
        }
        Action::Unlock => {
            if user.status != "locked" {
                return Err(ApiError::Conflict {
                    code: "not-locked",
                    title: "This account is not locked",
                    detail: "Only a locked account can be unlocked.".into(),
                    extensions: Default::default(),
                });
            }
            store::set_status(&mut tx, id, "active", now).await?;
            crate::mail::outbox::enqueue(
                &mut tx,
                &user.email,
                &Email::AccountUnlocked {
                    name: user.name.clone(),
                    sign_in_url: crate::mail::sign_in_url(&state.config),
                },
                now,
            )
            .await?;
            "admin.user_unlocked"
        }
        Action::ResetPassword => {
            let hash = reset_hash.as_deref().unwrap_or_default();
            auth_store::set_password(&mut tx, id, hash, true, now).await?;
            auth_store::revoke_sessions(&mut tx, id, None, now).await?;
            "admin.password_reset"
        }
        Action::EndSessions => {
            let ended = auth_store::revoke_sessions(&mut tx, id, None, now).await?;
            tracing::info!(user_id = id, ended, "sessions ended by an administrator");
            "admin.sessions_ended"
        }
    };
    audit::write(
        &mut tx,
        &Entry::new(name, Outcome::Success, Some(admin), meta, now).target_user(id),
    )
    .await?;
    tx.commit().await?;
    state.sessions.forget_all();
    Ok(load(state, id).await?.dto())
}

macro_rules! action_endpoint {
    ($fn:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
            responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json"),
                      (status = 409, body = Problem, content_type = "application/problem+json"),
                      (status = 401, body = Problem, content_type = "application/problem+json"),
                      (status = 403, body = Problem, content_type = "application/problem+json")))]
        pub async fn $fn(state: web::Data<AppState>, admin: Admin, meta: RequestMeta, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
            Ok(HttpResponse::Ok().json(act(&state, &admin.0, &meta, *id, $action).await?))
        }
    };
}

action_endpoint!(
    disable,
    "/api/v1/admin/users/{id}/disable",
    Action::Disable,
    "Disables an account and ends its sessions (never your own, never the last administrator)."
);
action_endpoint!(
    enable,
    "/api/v1/admin/users/{id}/enable",
    Action::Enable,
    "Re-enables a disabled account."
);
action_endpoint!(
    unlock,
    "/api/v1/admin/users/{id}/unlock",
    Action::Unlock,
    "Unlocks a locked account and emails the user."
);
action_endpoint!(
    reset_password,
    "/api/v1/admin/users/{id}/reset-password",
    Action::ResetPassword,
    "Emails a new one-time password (to be changed at next sign-in) and ends the user's sessions."
);
action_endpoint!(
    end_sessions,
    "/api/v1/admin/users/{id}/end-sessions",
    Action::EndSessions,
    "Signs the user out everywhere."
);

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/users")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/admin/users/{id}")
            .route(web::get().to(get))
            .route(web::put().to(update)),
    )
    .service(web::resource("/admin/users/{id}/disable").route(web::post().to(disable)))
    .service(web::resource("/admin/users/{id}/enable").route(web::post().to(enable)))
    .service(web::resource("/admin/users/{id}/unlock").route(web::post().to(unlock)))
    .service(
        web::resource("/admin/users/{id}/reset-password").route(web::post().to(reset_password)),
    )
    .service(web::resource("/admin/users/{id}/end-sessions").route(web::post().to(end_sessions)));
}
