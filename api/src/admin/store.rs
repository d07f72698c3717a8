//! SQL for administering users and API clients.

use chrono::{DateTime, Utc};

use crate::auth::store::UserRow;
use crate::db::{Db, Tx};
use crate::{on_db, on_tx};

const USER_COLUMNS: &str = "id, email, name, password_hash, status, must_change_password, failed_logins, failed_pins, permissions, created_at, last_sign_in_at";

/// Users matching `q` (email or name, case-insensitive) and `status`, one page.
pub async fn users(
    db: &Db,
    q: &str,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserRow>, i64), sqlx::Error> {
    let pattern = format!(
        "%{}%",
        q.trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    // `must_change_password` is not a stored status: it is an active account whose password
    // must be changed at its next sign-in.
    let filter = "(LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(name) LIKE $1 ESCAPE '\\')
        AND ($2 = '' OR status = $2 OR ($2 = 'must_change_password' AND status = 'active' AND must_change_password))";
    let list = format!("SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY LOWER(name), id LIMIT $3 OFFSET $4");
    let count = format!("SELECT COUNT(*) FROM users WHERE {filter}");
    let status = status.unwrap_or("");
    on_db!(db, p => {
        let rows: Vec<UserRow> = sqlx::query_as(&list).bind(&pattern).bind(status).bind(limit).bind(offset).fetch_all(p).await?;
        let total: i64 = sqlx::query_scalar(&count).bind(&pattern).bind(status).fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn insert_user(
    tx: &mut Tx,
    email: &str,
    name: &str,
    hash: &str,
    permissions: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO users (email, name, password_hash, permissions, must_change_password, created_at, updated_at)
               VALUES ($1, $2, $3, $4, TRUE, $5, $5) RETURNING id";
    on_tx!(tx, c => sqlx::query_scalar(sql).bind(email).bind(name).bind(hash).bind(permissions).bind(now).fetch_one(c).await)
}

pub async fn update_user(
    tx: &mut Tx,
    id: i64,
    name: &str,
    permissions: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET name = $2, permissions = $3, updated_at = $4 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(name).bind(permissions).bind(now).execute(c).await.map(|_| ()))
}

pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET status = $2, failed_logins = 0, failed_pins = 0, updated_at = $3 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(now).execute(c).await.map(|_| ()))
}

/// Active users holding `admin.users`, other than `except` (the last-administrator rules).
pub async fn other_active_admins(tx: &mut Tx, except: i64) -> Result<i64, sqlx::Error> {
    // Permissions are a space-separated list; pad it so the match is on a whole name.
    let sql = "SELECT COUNT(*) FROM users WHERE id <> $1 AND status = 'active' AND (' ' || permissions || ' ') LIKE '% admin.users %'";
    on_tx!(tx, c => sqlx::query_scalar(sql).bind(except).fetch_one(c).await)
}

pub async fn count_users(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await)
}

pub async fn insert_client(
    tx: &mut Tx,
    id: &str,
    name: &str,
    hash: &str,
    scopes: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO api_clients (id, name, secret_hash, scopes, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(name).bind(hash).bind(scopes).bind(now).bind(by).execute(c).await.map(|_| ()))
}

pub async fn rotate_client(
    tx: &mut Tx,
    id: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE api_clients SET secret_hash = $2, rotated_at = $3 WHERE id = $1 AND revoked_at IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(hash).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))
}

pub async fn revoke_client(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))
}

/// Removes an account created moments ago whose password email could not be sent (it has
/// never signed in, so nothing else refers to it).
pub async fn delete_new_user(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM users WHERE id = $1 AND last_sign_in_at IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).execute(c).await.map(|_| ()))
}

/// The figures on the system status page.
pub async fn system_counts(db: &Db) -> Result<s117_shared::system::SystemCounts, sqlx::Error> {
    let sql = "SELECT
        (SELECT COUNT(*) FROM people WHERE status = 'active'),
        (SELECT COUNT(*) FROM people WHERE status = 'ended'),
        (SELECT COUNT(*) FROM users WHERE status = 'active'),
        (SELECT COUNT(*) FROM users WHERE status = 'locked'),
        (SELECT COUNT(*) FROM users WHERE status = 'disabled'),
        (SELECT COUNT(*) FROM api_clients WHERE revoked_at IS NULL),
        (SELECT COUNT(*) FROM audit_log),
        (SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL)";
    type Counts = (i64, i64, i64, i64, i64, i64, i64, i64);
    let c: Counts = on_db!(db, p => sqlx::query_as(sql).fetch_one(p).await)?;
    Ok(s117_shared::system::SystemCounts {
        active_records: c.0,
        ended_records: c.1,
        active_users: c.2,
        locked_users: c.3,
        disabled_users: c.4,
        active_api_clients: c.5,
        audit_entries: c.6,
        mail_waiting: c.7,
    })
}
