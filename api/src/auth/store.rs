//! SQL for users, challenges, sessions and API clients.

use chrono::{DateTime, Utc};
use s117_shared::admin::{ApiClient, User, UserStatus};
use s117_shared::permissions::PermissionSet;

use crate::db::{Db, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub status: String,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub failed_pins: i32,
    pub permissions: String,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn permission_set(&self) -> PermissionSet {
        PermissionSet::from_stored(&self.permissions)
    }
    pub fn dto(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            status: UserStatus::parse(&self.status).unwrap_or(UserStatus::Disabled),
            must_change_password: self.must_change_password,
            permissions: self.permission_set(),
            created_at: self.created_at,
            last_sign_in_at: self.last_sign_in_at,
        }
    }
}

const USER_COLUMNS: &str = "id, email, name, password_hash, status, must_change_password, failed_logins, failed_pins, permissions, created_at, last_sign_in_at";

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(email).fetch_optional(p).await)
}

pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn user_by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
}

/// Claims one password attempt for an active account: the count goes up *before* the
/// password is checked, atomically, and only while it is below `max`. So however many
/// attempts arrive at once, at most `max` are ever evaluated. `None`: no attempt allowed
/// (locked, disabled, or at the limit).
pub async fn claim_password_attempt(
    db: &Db,
    user_id: i64,
    max: i32,
) -> Result<Option<i32>, sqlx::Error> {
    let sql = "UPDATE users SET failed_logins = failed_logins + 1
               WHERE id = $1 AND status = 'active' AND failed_logins < $2 RETURNING failed_logins";
    on_db!(db, p => sqlx::query_scalar(sql).bind(user_id).bind(max).fetch_optional(p).await)
}

pub async fn reset_failed_logins(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET failed_logins = 0 WHERE id = $1";
    on_db!(db, p => sqlx::query(sql).bind(user_id).execute(p).await.map(|_| ()))
}

/// Locks an active account; true when this call locked it (so it emails and audits once).
pub async fn lock(tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let sql =
        "UPDATE users SET status = 'locked', updated_at = $2 WHERE id = $1 AND status = 'active'";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))
}

/// Counts a wrong PIN against the account; returns the new consecutive count.
pub async fn count_failed_pin(tx: &mut Tx, user_id: i64) -> Result<i32, sqlx::Error> {
    let sql = "UPDATE users SET failed_pins = failed_pins + 1 WHERE id = $1 RETURNING failed_pins";
    on_tx!(tx, c => sqlx::query_scalar(sql).bind(user_id).fetch_one(c).await)
}

pub async fn record_sign_in(
    tx: &mut Tx,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE users SET failed_pins = 0, failed_logins = 0, last_sign_in_at = $2 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(now).execute(c).await.map(|_| ()))
}

pub async fn set_password(
    tx: &mut Tx,
    user_id: i64,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4, updated_at = $4
               WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(hash).bind(must_change).bind(now).execute(c).await.map(|_| ()))
}

// --- challenges -------------------------------------------------------------------------

#[derive(Debug, sqlx::FromRow)]
pub struct ChallengeRow {
    pub id: String,
    pub user_id: i64,
    pub pin_hash: String,
    pub expires_at: DateTime<Utc>,
    pub attempts: i32,
    pub used_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
}

/// Starts a challenge, voiding every earlier open one of the user (a newer sign-in makes
/// older PINs useless).
pub async fn start_challenge(
    db: &Db,
    id: &str,
    user_id: i64,
    pin_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let void = "UPDATE login_challenges SET voided_at = $2 WHERE user_id = $1 AND used_at IS NULL AND voided_at IS NULL";
    let insert = "INSERT INTO login_challenges (id, user_id, pin_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    on_tx!(&mut tx, c => {
        sqlx::query(void).bind(user_id).bind(now).execute(&mut *c).await?;
        sqlx::query(insert).bind(id).bind(user_id).bind(pin_hash).bind(now).bind(expires_at).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(())
    })?;
    tx.commit().await
}

pub async fn void_challenge(db: &Db, id: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "UPDATE login_challenges SET voided_at = $2 WHERE id = $1 AND voided_at IS NULL";
    on_db!(db, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|_| ()))
}

pub async fn challenge(db: &Db, id: &str) -> Result<Option<ChallengeRow>, sqlx::Error> {
    let sql = "SELECT id, user_id, pin_hash, expires_at, attempts, used_at, voided_at FROM login_challenges WHERE id = $1";
    on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)
}

/// Claims one PIN try on an open challenge (atomically, at most `max`); `None` when the
/// challenge is used, void or out of tries.
pub async fn claim_pin_attempt(
    tx: &mut Tx,
    id: &str,
    max: i32,
) -> Result<Option<i32>, sqlx::Error> {
    let sql = "UPDATE login_challenges SET attempts = attempts + 1
               WHERE id = $1 AND used_at IS NULL AND voided_at IS NULL AND attempts < $2 RETURNING attempts";
    on_tx!(tx, c => sqlx::query_scalar(sql).bind(id).bind(max).fetch_optional(c).await)
}

/// Marks the challenge used; false if another request used it first (single use).
pub async fn use_challenge(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE login_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND voided_at IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))
}

pub async fn void_challenge_tx(
    tx: &mut Tx,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE login_challenges SET voided_at = $2 WHERE id = $1 AND voided_at IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|_| ()))
}

// --- sessions ---------------------------------------------------------------------------

pub async fn create_session(
    tx: &mut Tx,
    id: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(user_id).bind(now).bind(expires_at).execute(c).await.map(|_| ()))
}

pub async fn revoke_session(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|_| ()))
}

/// Revokes every live session of the user except `keep`; returns how many.
pub async fn revoke_sessions(
    tx: &mut Tx,
    user_id: i64,
    keep: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3";
    on_tx!(tx, c => sqlx::query(sql).bind(user_id).bind(now).bind(keep.unwrap_or("")).execute(c).await.map(|r| r.rows_affected()))
}

// --- API clients ------------------------------------------------------------------------

#[derive(Debug, sqlx::FromRow)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ClientRow {
    pub fn scope_set(&self) -> PermissionSet {
        PermissionSet::from_stored(&self.scopes)
    }
    pub fn dto(&self) -> ApiClient {
        ApiClient {
            client_id: self.id.clone(),
            name: self.name.clone(),
            scopes: self.scope_set(),
            created_at: self.created_at,
            rotated_at: self.rotated_at,
            revoked_at: self.revoked_at,
            last_used_at: self.last_used_at,
        }
    }
}

const CLIENT_COLUMNS: &str =
    "id, name, secret_hash, scopes, created_at, rotated_at, revoked_at, last_used_at";

pub async fn client(db: &Db, id: &str) -> Result<Option<ClientRow>, sqlx::Error> {
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn clients(db: &Db) -> Result<Vec<ClientRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients ORDER BY revoked_at IS NOT NULL, name, id"
    );
    on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await)
}

pub async fn touch_client(db: &Db, id: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "UPDATE api_clients SET last_used_at = $2 WHERE id = $1";
    on_db!(db, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|_| ()))
}
