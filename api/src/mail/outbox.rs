//! The mail outbox: notifications that must arrive even if the SMTP server is down when the
//! event happens, or the server restarts before the email goes.
//!
//! [`enqueue`] writes the rendered email into `mail_outbox` inside the caller's transaction,
//! so the notification exists if and only if the event (the lock, the password change) was
//! committed. [`deliver_due`] (run every few seconds by [`spawn_outbox_worker`]) claims one
//! due row at a time, sends it and marks it sent; a failure records the cause and pushes the
//! next attempt back (30 s, 1 min, 2 min, 4 min … at most an hour), for ever, until the
//! email is accepted.
//!
//! Claiming moves the row's `next_attempt_at` forward by a lease. On PostgreSQL the claim
//! uses `FOR UPDATE SKIP LOCKED`, so several server instances sharing the database never
//! pick the same row; SQLite serialises writers, so its claim is atomic too. A row marked
//! sent is never sent again. The one gap no outbox can close: a crash after the SMTP server
//! accepted the email and before the row was marked sent sends it again after the lease.
//!
//! Only emails without secrets are stored here ([`Email::may_be_queued`]); the outbox never
//! holds a PIN or a password.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::templates::Email;
use super::transport::{MailError, Mailer};
use crate::clock::Clock;
use crate::db::{Db, Tx};
use crate::{on_db, on_tx};

/// How long a claimed row is reserved for the instance sending it: longer than any send
/// can take (the SMTP timeout is seconds).
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// The most rows one [`deliver_due`] call sends, so one call is bounded work.
const BATCH: usize = 50;
/// The stored cause of a failure is cut to this many characters.
const MAX_ERROR_CHARS: usize = 500;

/// One row of the outbox, without its bodies.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    recipient: String,
    kind: String,
    subject: String,
    body_text: String,
    body_html: String,
    attempts: i64,
}

/// Queues `email` to `to` inside the caller's transaction; it is delivered after the
/// transaction commits (and never if it rolls back). Returns the outbox id.
///
/// Refuses (`sqlx::Error::Encode` holding a [`MailError`]) an email that carries a secret
/// (PIN, one-time password) or a recipient that is not an email address: those are
/// programming errors, caught before anything is stored.
pub async fn enqueue(
    tx: &mut Tx,
    to: &str,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    if !email.may_be_queued() {
        return Err(sqlx::Error::Encode(Box::new(MailError::NotQueueable(
            email.kind(),
        ))));
    }
    let to = to.trim();
    if to.parse::<lettre::Address>().is_err() {
        return Err(sqlx::Error::Encode(Box::new(MailError::BadRecipient)));
    }
    let r = email.render();
    let sql = "INSERT INTO mail_outbox
               (recipient, kind, subject, body_text, body_html, created_at, attempts, next_attempt_at)
               VALUES ($1, $2, $3, $4, $5, $6, 0, $6)
               RETURNING id";
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql)
        .bind(to).bind(email.kind()).bind(&r.subject).bind(&r.text).bind(&r.html).bind(now)
        .fetch_one(&mut *c).await)
}

/// Sends every row that is due at `now` (at most a batch), one at a time. Returns how many
/// were delivered. Stops at the first failed send: the SMTP server is probably unreachable,
/// and the other rows can wait for the next call rather than each costing a timeout now.
/// Errs only when the database cannot be used.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let mut delivered = 0;
    for _ in 0..BATCH {
        let Some(row) = claim(db, now).await? else {
            break;
        };
        let rendered = super::templates::Rendered {
            subject: row.subject,
            text: row.body_text,
            html: row.body_html,
        };
        match mailer
            .send_rendered(&row.recipient, &row.kind, &rendered)
            .await
        {
            Ok(_) => {
                let sql = "UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL
                           WHERE id = $1 AND sent_at IS NULL";
                let marked = on_db!(db, p => sqlx::query(sql).bind(row.id).bind(now).execute(p).await.map(|_| ()));
                if let Err(e) = marked {
                    tracing::error!(outbox_id = row.id, error = %e,
                        "email sent but not marked sent: it will be sent again after the lease");
                    return Err(e);
                }
                tracing::info!(outbox_id = row.id, kind = %row.kind, "queued email delivered");
                delivered += 1;
            }
            Err(e) => {
                let attempts = row.attempts + 1;
                let next = now + backoff(attempts);
                let cause: String = e.to_string().chars().take(MAX_ERROR_CHARS).collect();
                let sql =
                    "UPDATE mail_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4
                           WHERE id = $1 AND sent_at IS NULL";
                on_db!(db, p => sqlx::query(sql).bind(row.id).bind(attempts).bind(next).bind(&cause)
                    .execute(p).await.map(|_| ()))?;
                tracing::warn!(outbox_id = row.id, kind = %row.kind, attempts,
                    next_attempt_at = %next.to_rfc3339(), "queued email not delivered; will retry");
                break;
            }
        }
    }
    Ok(delivered)
}

/// The wait after the `attempts`-th failure: 30 s, 1 min, 2 min, 4 min … capped at 1 hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let doublings = attempts.clamp(1, 20) - 1;
    let seconds = 30i64.saturating_mul(1 << doublings);
    chrono::Duration::seconds(seconds.min(3600))
}

/// Runs [`deliver_due`] every `poll` until the task is aborted. Database errors are logged
/// once when they start and once when they end, not on every tick.
pub fn spawn_outbox_worker(
    db: Db,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    poll: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            ticks.tick().await;
            match deliver_due(&db, &mailer, clock.now()).await {
                Ok(_) if failing => {
                    failing = false;
                    tracing::info!("mail outbox: the database is back; delivering again");
                }
                Ok(_) => {}
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e, "mail outbox: cannot read the queue; will keep trying");
                }
                Err(_) => {}
            }
        }
    })
}

/// Takes the oldest due row and leases it to this caller.
async fn claim(db: &Db, now: DateTime<Utc>) -> Result<Option<Claimed>, sqlx::Error> {
    let lease_until = now + LEASE;
    match db {
        Db::Postgres(p) => {
            let sql = "UPDATE mail_outbox SET next_attempt_at = $2
                       WHERE id = (SELECT id FROM mail_outbox
                                   WHERE sent_at IS NULL AND next_attempt_at <= $1
                                   ORDER BY next_attempt_at, id LIMIT 1
                                   FOR UPDATE SKIP LOCKED)
                       RETURNING id, recipient, kind, subject, body_text, body_html, attempts";
            sqlx::query_as(sql)
                .bind(now)
                .bind(lease_until)
                .fetch_optional(p)
                .await
        }
        Db::Sqlite(p) => {
            let sql = "UPDATE mail_outbox SET next_attempt_at = $2
                       WHERE id = (SELECT id FROM mail_outbox
                                   WHERE sent_at IS NULL AND next_attempt_at <= $1
                                   ORDER BY next_attempt_at, id LIMIT 1)
                       RETURNING id, recipient, kind, subject, body_text, body_html, attempts";
            sqlx::query_as(sql)
                .bind(now)
                .bind(lease_until)
                .fetch_optional(p)
                .await
        }
    }
}

/// One outbox row (for the admin diagnostics page and tests).
pub async fn entry(db: &Db, id: i64) -> Result<Option<OutboxEntry>, sqlx::Error> {
    let sql = "SELECT id, recipient, kind, subject, created_at, attempts, next_attempt_at, sent_at, last_error
               FROM mail_outbox WHERE id = $1";
    on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)
}

/// The rows not yet delivered, oldest first (at most `limit`).
pub async fn pending(db: &Db, limit: i64) -> Result<Vec<OutboxEntry>, sqlx::Error> {
    let sql = "SELECT id, recipient, kind, subject, created_at, attempts, next_attempt_at, sent_at, last_error
               FROM mail_outbox WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $1";
    on_db!(db, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        let secs: Vec<i64> = (1..=10).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(1_000).num_seconds(), 3600);
    }
}
