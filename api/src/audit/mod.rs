//! The append-only audit log: who did what, to which record or account, when, from where,
//! with what outcome. Entries are written in the same transaction as the change they
//! describe ([`write`]), or on their own for events that change nothing else, such as a
//! refused sign-in ([`write_alone`]), or, for reads that change nothing (searches), through
//! the group-commit writer ([`batch::AuditWriter`]; on SQLite by way of a queue file,
//! [`queue`], so those commits do not cost the register's readers their caches). The database refuses UPDATE and DELETE on
//! the table (triggers in the migrations); no endpoint offers either.

pub mod batch;
pub mod queue;
pub mod routes;
pub mod store;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::authn::{Caller, RequestMeta};
use crate::db::{Db, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// One audit entry. Details never hold a password, PIN or token.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_client_id: Option<String>,
    pub actor_label: String,
    pub action: &'static str,
    pub outcome: Outcome,
    pub record_id: Option<i64>,
    pub target_user_id: Option<i64>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub details: Value,
}

impl Entry {
    /// An entry for `action` by `caller` (or an anonymous caller, e.g. a sign-in attempt).
    pub fn new(
        action: &'static str,
        outcome: Outcome,
        caller: Option<&Caller>,
        meta: &RequestMeta,
        at: DateTime<Utc>,
    ) -> Entry {
        Entry {
            at,
            actor_user_id: caller.and_then(|c| c.user_id()),
            actor_client_id: caller.and_then(|c| c.client_id().map(String::from)),
            actor_label: caller.map(|c| c.label()).unwrap_or_default(),
            action,
            outcome,
            record_id: None,
            target_user_id: None,
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
            details: Value::Object(Default::default()),
        }
    }

    pub fn actor(mut self, user_id: Option<i64>, label: &str) -> Entry {
        self.actor_user_id = user_id;
        self.actor_label = label.to_string();
        self
    }
    pub fn record(mut self, id: i64) -> Entry {
        self.record_id = Some(id);
        self
    }
    pub fn target_user(mut self, id: i64) -> Entry {
        self.target_user_id = Some(id);
        self
    }
    pub fn details(mut self, details: Value) -> Entry {
        self.details = details;
        self
    }
}

/// Writes the entry inside the caller's transaction.
pub async fn write(tx: &mut Tx, entry: &Entry) -> Result<(), sqlx::Error> {
    store::insert(tx, entry).await
}

/// Writes the entry in a transaction of its own.
pub async fn write_alone(db: &Db, entry: &Entry) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    store::insert(&mut tx, entry).await?;
    tx.commit().await
}
