//! The sign-in flows (rules, transactions, audit); HTTP lives in `routes`, SQL in `store`.

use chrono::Duration;
use s117_shared::auth::{
    ChangePasswordRequest, ClientTokenResponse, LoginChallenge, LoginRequest, TokenResponse,
    VerifyRequest,
};
use s117_shared::password;
use s117_shared::permissions::PermissionSet;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{normalise_email, secrets, store};
use crate::audit::{self, Entry, Outcome};
use crate::authn::{Caller, RequestMeta};
use crate::error::ApiError;
use crate::mail::{outbox, Email};
use crate::startup::AppState;
use crate::tokens::{Claims, TokenKind, ISSUER};

pub const WRONG_CREDENTIALS: &str =
    "Enter a correct email address and password. If your account is locked, contact your helpdesk.";
pub const WRONG_PIN: &str = "The security code is not right or has expired. Check the code in your latest email, or sign in again for a new one.";
const PIN_TRIES: i32 = 5;
/// Consecutive wrong PINs, across challenges, that lock the account like passwords do.
pub const MAX_FAILED_PINS: i32 = 20;
/// Machine tokens are short-lived: a client asks again when one expires.
pub const CLIENT_TOKEN_SECONDS: i64 = 15 * 60;

fn too_many(retry_after_seconds: u64) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_seconds,
        detail: "Too many attempts. Wait a few minutes and try again.",
    }
}

/// Locks the account inside `tx`, queues the lockout email and audits it — once.
async fn lock_account(
    state: &AppState,
    tx: &mut crate::db::Tx,
    user: &store::UserRow,
    meta: &RequestMeta,
    why: &str,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    if store::lock(tx, user.id, now).await? {
        let email = Email::AccountLocked {
            name: user.name.clone(),
            helpdesk_email: state.config.helpdesk_email.clone(),
        };
        outbox::enqueue(tx, &user.email, &email, now).await?;
        let entry = Entry::new("account.locked", Outcome::Success, None, meta, now)
            .actor(Some(user.id), &user.email)
            .target_user(user.id)
            .details(json!({ "reason": why }));
        audit::write(tx, &entry).await?;
        tracing::warn!(user_id = user.id, reason = why, "account locked");
        // Before the commit, so at worst a request in that window keeps the old state for
        // the cache's second (session_cache.rs); a locked account has no session to use.
        state.sessions.forget_all();
    }
    Ok(())
}

async fn audit_sign_in_failure(
    state: &AppState,
    meta: &RequestMeta,
    user: Option<&store::UserRow>,
    reason: &str,
) -> Result<(), ApiError> {
    let mut entry = Entry::new(
        "auth.sign_in",
        Outcome::Failure,
        None,
        meta,
        state.clock.now(),
    )
    .details(json!({ "reason": reason }));
    if let Some(u) = user {
        entry = entry.actor(Some(u.id), &u.email).target_user(u.id);
    }
    audit::write_alone(&state.db, &entry).await?;
    Ok(())
}

/// Step 1: email + password. On success a PIN is emailed now (never queued).
pub async fn login(
    state: &AppState,
    meta: &RequestMeta,
    req: LoginRequest,
) -> Result<LoginChallenge, ApiError> {
    let now = state.clock.now();
    let email = normalise_email(&req.email);
    if let Some(ip) = &meta.ip {
        state.limits.login_per_ip.hit(ip, now).map_err(too_many)?;
    }
    state
        .limits
        .login_per_account
        .hit(&email, now)
        .map_err(too_many)?;
    // Longer than any allowed password: wrong, but still one verification's worth of work.
    let password = if req.password.chars().count() > password::MAX_LENGTH {
        ""
    } else {
        req.password.as_str()
    };

    let Some(user) = store::user_by_email(&state.db, &email).await? else {
        state.hasher.verify_dummy(password).await?;
        audit_sign_in_failure(state, meta, None, "unknown_email").await?;
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
    };
    let max = state.config.max_failed_logins as i32;
    let Some(attempt) = store::claim_password_attempt(&state.db, user.id, max).await? else {
        state.hasher.verify_dummy(password).await?;
        audit_sign_in_failure(
            state,
            meta,
            Some(&user),
            &format!("account_{}", user.status),
        )
        .await?;
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
    };
    if password.is_empty() || !state.hasher.verify(password, &user.password_hash).await? {
        if attempt >= max {
            let mut tx = state.db.begin().await?;
            lock_account(state, &mut tx, &user, meta, "failed_passwords").await?;
            tx.commit().await?;
        }
        audit_sign_in_failure(state, meta, Some(&user), "wrong_password").await?;
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS));
    }
    store::reset_failed_logins(&state.db, user.id).await?;
    send_pin(state, meta, &user).await
}

/// Starts a challenge and emails its PIN; if the email cannot be sent, the challenge is
/// voided and the caller gets 503.
async fn send_pin(
    state: &AppState,
    meta: &RequestMeta,
    user: &store::UserRow,
) -> Result<LoginChallenge, ApiError> {
    let now = state.clock.now();
    state
        .limits
        .pin_emails
        .hit(&user.id.to_string(), now)
        .map_err(too_many)?;
    let ttl = state.config.pin_ttl_minutes;
    let challenge_id = secrets::id();
    let pin = secrets::pin();
    let expires_at = now + Duration::minutes(ttl as i64);
    store::start_challenge(
        &state.db,
        &challenge_id,
        user.id,
        &state.keys.pin_hash(&challenge_id, &pin),
        now,
        expires_at,
    )
    .await?;
    let email = Email::Pin {
        name: user.name.clone(),
        pin,
        valid_minutes: ttl,
    };
    if let Err(e) = state.mailer.send_now(&user.email, &email).await {
        tracing::warn!(error = %e, user_id = user.id, "could not send the security code email");
        store::void_challenge(&state.db, &challenge_id, now).await?;
        audit_sign_in_failure(state, meta, Some(user), "pin_email_failed").await?;
        return Err(ApiError::Unavailable(
            "We could not send your security code. Try again in a few minutes; if it keeps happening, contact your helpdesk.".into(),
        ));
    }
    let entry = Entry::new("auth.pin_sent", Outcome::Success, None, meta, now)
        .actor(Some(user.id), &user.email)
        .target_user(user.id);
    audit::write_alone(&state.db, &entry).await?;
    Ok(LoginChallenge {
        challenge_id,
        expires_at,
        pin_ttl_minutes: ttl,
    })
}

/// "Send a new code": a fresh challenge for an open one (limited per account).
pub async fn resend(
    state: &AppState,
    meta: &RequestMeta,
    challenge_id: &str,
) -> Result<LoginChallenge, ApiError> {
    let now = state.clock.now();
    if let Some(ip) = &meta.ip {
        state.limits.login_per_ip.hit(ip, now).map_err(too_many)?;
    }
    let challenge = store::challenge(&state.db, challenge_id)
        .await?
        .ok_or(ApiError::Unauthorized(WRONG_PIN))?;
    if challenge.used_at.is_some() || challenge.voided_at.is_some() || now >= challenge.expires_at {
        return Err(ApiError::Unauthorized(WRONG_PIN));
    }
    let user = store::user_by_id(&state.db, challenge.user_id)
        .await?
        .ok_or(ApiError::Unauthorized(WRONG_PIN))?;
    if user.status != "active" {
        return Err(ApiError::Unauthorized(WRONG_PIN));
    }
    send_pin(state, meta, &user).await
}

/// Step 2: the PIN. Returns an access token for a new session.
pub async fn verify(
    state: &AppState,
    meta: &RequestMeta,
    req: VerifyRequest,
) -> Result<TokenResponse, ApiError> {
    let now = state.clock.now();
    if let Some(ip) = &meta.ip {
        state.limits.verify_per_ip.hit(ip, now).map_err(too_many)?;
    }
    let pin: String = req.pin.chars().filter(|c| !c.is_whitespace()).collect();
    let challenge = store::challenge(&state.db, req.challenge_id.trim())
        .await?
        .ok_or(ApiError::Unauthorized(WRONG_PIN))?;
    let user = store::user_by_id(&state.db, challenge.user_id)
        .await?
        .ok_or(ApiError::Unauthorized(WRONG_PIN))?;
    if challenge.used_at.is_some() || challenge.voided_at.is_some() || now >= challenge.expires_at {
        audit_sign_in_failure(state, meta, Some(&user), "pin_expired_or_used").await?;
        return Err(ApiError::Unauthorized(WRONG_PIN));
    }
    let mut tx = state.db.begin().await?;
    let Some(attempt) = store::claim_pin_attempt(&mut tx, &challenge.id, PIN_TRIES).await? else {
        tx.commit().await?;
        audit_sign_in_failure(state, meta, Some(&user), "pin_tries_used_up").await?;
        return Err(ApiError::Unauthorized(WRONG_PIN));
    };
    let expected = state.keys.pin_hash(&challenge.id, &pin);
    let right: bool = expected
        .as_bytes()
        .ct_eq(challenge.pin_hash.as_bytes())
        .into();
    if !right {
        let failures = store::count_failed_pin(&mut tx, user.id).await?;
        if attempt >= PIN_TRIES {
            store::void_challenge_tx(&mut tx, &challenge.id, now).await?;
        }
        if failures >= MAX_FAILED_PINS {
            lock_account(state, &mut tx, &user, meta, "failed_pins").await?;
        }
        let entry = Entry::new("auth.sign_in", Outcome::Failure, None, meta, now)
            .actor(Some(user.id), &user.email)
            .target_user(user.id)
            .details(json!({ "reason": "wrong_pin", "attempt": attempt }));
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        return Err(ApiError::Unauthorized(WRONG_PIN));
    }
    if user.status != "active" || !store::use_challenge(&mut tx, &challenge.id, now).await? {
        tx.commit().await?;
        audit_sign_in_failure(state, meta, Some(&user), "account_not_active").await?;
        return Err(ApiError::Unauthorized(WRONG_PIN));
    }
    store::record_sign_in(&mut tx, user.id, now).await?;
    let session_id = secrets::id();
    let expires_at = now + Duration::hours(state.config.session_max_hours as i64);
    store::create_session(&mut tx, &session_id, user.id, now, expires_at).await?;
    let entry = Entry::new("auth.sign_in", Outcome::Success, None, meta, now)
        .actor(Some(user.id), &user.email)
        .target_user(user.id);
    audit::write(&mut tx, &entry).await?;
    tx.commit().await?;

    let claims = Claims {
        iss: ISSUER.into(),
        aud: TokenKind::User.audience().into(),
        typ: TokenKind::User,
        sub: format!("user:{}", user.id),
        sid: Some(session_id),
        scope: None,
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: expires_at.timestamp(),
        jti: secrets::id(),
    };
    Ok(TokenResponse {
        access_token: state.keys.issue(&claims),
        token_type: "Bearer".into(),
        expires_in: (expires_at - now).num_seconds(),
        must_change_password: user.must_change_password,
    })
}

pub async fn logout(state: &AppState, meta: &RequestMeta, caller: &Caller) -> Result<(), ApiError> {
    let crate::authn::Actor::User { session_id, .. } = &caller.actor else {
        return Ok(());
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::revoke_session(&mut tx, session_id, now).await?;
    audit::write(
        &mut tx,
        &Entry::new("auth.sign_out", Outcome::Success, Some(caller), meta, now),
    )
    .await?;
    tx.commit().await?;
    state.sessions.forget_all();
    Ok(())
}

/// Words a password must not contain: the service's and the partnership's names, and the
/// user's email.
pub async fn context_words(state: &AppState, email: &str) -> Result<Vec<String>, ApiError> {
    let mut words: Vec<String> = ["s117", "section117", "register"]
        .into_iter()
        .map(String::from)
        .collect();
    let las = crate::reference::store::list(
        &state.db,
        s117_shared::reference::ReferenceList::LocalAuthorities,
        true,
    )
    .await?;
    for la in las
        .iter()
        .filter(|la| state.config.home_la_codes.contains(&la.code))
    {
        words.extend(
            la.display_name
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 4)
                .map(str::to_lowercase),
        );
    }
    words.extend(password::email_context_words(email));
    Ok(words)
}

pub async fn change_password(
    state: &AppState,
    meta: &RequestMeta,
    caller: &Caller,
    req: ChangePasswordRequest,
) -> Result<(), ApiError> {
    let crate::authn::Actor::User { id, session_id, .. } = &caller.actor else {
        return Err(ApiError::Forbidden("Only people can change a password."));
    };
    let user = store::user_by_id(&state.db, *id)
        .await?
        .ok_or(ApiError::Unauthorized("Sign in to continue."))?;
    let words = context_words(state, &user.email).await?;
    let word_refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut errors =
        password::validate_new_password(&req.current_password, &req.new_password, None, &word_refs);
    if !req.current_password.is_empty()
        && !state
            .hasher
            .verify(&req.current_password, &user.password_hash)
            .await?
    {
        errors.add("current_password", "Your current password is not right");
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors.into_map()));
    }
    let hash = state.hasher.hash(&req.new_password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::set_password(&mut tx, user.id, &hash, false, now).await?;
    let ended = store::revoke_sessions(&mut tx, user.id, Some(session_id), now).await?;
    let email = Email::PasswordChanged {
        name: user.name.clone(),
        helpdesk_email: state.config.helpdesk_email.clone(),
    };
    outbox::enqueue(&mut tx, &user.email, &email, now).await?;
    let entry = Entry::new(
        "auth.password_changed",
        Outcome::Success,
        Some(caller),
        meta,
        now,
    )
    .target_user(user.id)
    .details(json!({ "other_sessions_ended": ended }));
    audit::write(&mut tx, &entry).await?;
    tx.commit().await?;
    state.sessions.forget_all();
    Ok(())
}

/// A client-credentials request, already read from the form or Basic auth.
pub struct ClientCredentials {
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
}

fn oauth_error(status: u16, error: &'static str, detail: &str) -> ApiError {
    let mut extensions = std::collections::BTreeMap::new();
    extensions.insert("error".to_string(), json!(error));
    match status {
        401 => ApiError::Other {
            status,
            code: "invalid-client",
            title: "Client authentication failed",
            detail: detail.into(),
            extensions,
        },
        _ => ApiError::Other {
            status,
            code: "invalid-token-request",
            title: "Invalid token request",
            detail: detail.into(),
            extensions,
        },
    }
}

pub async fn client_token(
    state: &AppState,
    meta: &RequestMeta,
    creds: ClientCredentials,
) -> Result<ClientTokenResponse, ApiError> {
    let now = state.clock.now();
    if let Some(ip) = &meta.ip {
        state.limits.token_per_ip.hit(ip, now).map_err(too_many)?;
    }
    if creds.grant_type != "client_credentials" {
        return Err(oauth_error(
            400,
            "unsupported_grant_type",
            "Only grant_type=client_credentials is supported.",
        ));
    }
    let client = store::client(&state.db, creds.client_id.trim()).await?;
    let valid = match &client {
        Some(c) if c.revoked_at.is_none() => {
            state
                .hasher
                .verify(&creds.client_secret, &c.secret_hash)
                .await?
        }
        _ => {
            state.hasher.verify_dummy(&creds.client_secret).await?;
            false
        }
    };
    let Some(client) = client.filter(|_| valid) else {
        let entry = Entry::new("auth.client_token", Outcome::Failure, None, meta, now)
            .details(json!({ "client_id": creds.client_id.chars().take(64).collect::<String>() }));
        audit::write_alone(&state.db, &entry).await?;
        return Err(oauth_error(
            401,
            "invalid_client",
            "The client id or secret is not right, or the client has been revoked.",
        ));
    };
    let allowed = client.scope_set();
    let granted: PermissionSet = match creds
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => allowed.clone(),
        Some(asked) => {
            let asked = PermissionSet::parse_list(asked).map_err(|_| {
                oauth_error(400, "invalid_scope", "A requested scope does not exist.")
            })?;
            if !allowed.contains_all(&asked) {
                return Err(oauth_error(
                    400,
                    "invalid_scope",
                    "A requested scope is not granted to this client.",
                ));
            }
            asked
        }
    };
    let claims = Claims {
        iss: ISSUER.into(),
        aud: TokenKind::Client.audience().into(),
        typ: TokenKind::Client,
        sub: format!("client:{}", client.id),
        sid: None,
        scope: Some(granted.to_scope_string()),
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: now.timestamp() + CLIENT_TOKEN_SECONDS,
        jti: secrets::id(),
    };
    store::touch_client(&state.db, &client.id, now).await?;
    let entry = Entry::new("auth.client_token", Outcome::Success, None, meta, now)
        .details(json!({ "client_id": client.id, "scope": granted.to_scope_string() }));
    let entry = Entry {
        actor_client_id: Some(client.id.clone()),
        actor_label: format!("client {} ({})", client.id, client.name),
        ..entry
    };
    audit::write_alone(&state.db, &entry).await?;
    Ok(ClientTokenResponse {
        access_token: state.keys.issue(&claims),
        token_type: "Bearer".into(),
        expires_in: CLIENT_TOKEN_SECONDS,
        scope: granted.to_scope_string(),
    })
}
