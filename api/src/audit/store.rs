//! SQL for the audit log.

use chrono::{DateTime, Utc};
use s117_shared::audit::AuditEntry;

use super::Entry;
use crate::db::{Db, Tx};
use crate::{insert_chunked, on_db};

/// An entry's columns, as written: everything but the id.
pub(super) const ENTRY_COLUMNS: &str = "at, actor_user_id, actor_client_id, actor_label, action, outcome, record_id, target_user_id, ip, request_id, details";

fn insert_sql() -> String {
    format!("INSERT INTO audit_log ({ENTRY_COLUMNS})")
}

pub async fn insert(tx: &mut Tx, e: &Entry) -> Result<(), sqlx::Error> {
    insert_many(tx, &[e]).await
}

/// Inserts the entries, in order, with as few statements as it can (a few fixed sizes of
/// multi-row INSERT, see [`crate::db::chunk_rows`]).
pub async fn insert_many(tx: &mut Tx, entries: &[&Entry]) -> Result<(), sqlx::Error> {
    insert_chunked!(
        tx,
        insert_sql(),
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        entries,
        |q, e| q
            .bind(e.at)
            .bind(e.actor_user_id)
            .bind(&e.actor_client_id)
            .bind(&e.actor_label)
            .bind(e.action)
            .bind(e.outcome.as_str())
            .bind(e.record_id)
            .bind(e.target_user_id)
            .bind(&e.ip)
            .bind(&e.request_id)
            .bind(e.details.to_string())
    )
}

/// Inserts the entries as one atomic write, in as few round trips as the database allows:
/// on PostgreSQL one statement over arrays of the columns (any number of entries, committed
/// on its own), on SQLite a transaction of [`insert_many`]'s statements (in-process, where a
/// statement costs no round trip).
///
/// The audit writer's batches (audit/batch.rs) take this path: with a transaction around
/// multi-row INSERTs of fixed sizes, a batch of 17 searches' entries was five round trips
/// to PostgreSQL (BEGIN, 8 + 8 + 1 rows, COMMIT), and each one a wake-up on both sides.
pub async fn insert_batch(db: &Db, entries: &[&Entry]) -> Result<(), sqlx::Error> {
    match db {
        Db::Postgres(pool) => {
            let sql = format!(
                "{} SELECT * FROM UNNEST($1::timestamptz[], $2::int8[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::int8[], $8::int8[], $9::text[], $10::text[], $11::text[])",
                insert_sql()
            );
            let column =
                |f: fn(&Entry) -> Option<&str>| entries.iter().map(|e| f(e)).collect::<Vec<_>>();
            sqlx::query(&sql)
                .bind(entries.iter().map(|e| e.at).collect::<Vec<_>>())
                .bind(entries.iter().map(|e| e.actor_user_id).collect::<Vec<_>>())
                .bind(column(|e| e.actor_client_id.as_deref()))
                .bind(column(|e| Some(&e.actor_label)))
                .bind(column(|e| Some(e.action)))
                .bind(column(|e| Some(e.outcome.as_str())))
                .bind(entries.iter().map(|e| e.record_id).collect::<Vec<_>>())
                .bind(entries.iter().map(|e| e.target_user_id).collect::<Vec<_>>())
                .bind(column(|e| e.ip.as_deref()))
                .bind(column(|e| e.request_id.as_deref()))
                .bind(
                    entries
                        .iter()
                        .map(|e| e.details.to_string())
                        .collect::<Vec<_>>(),
                )
                .execute(pool)
                .await
                .map(|_| ())
        }
        Db::Sqlite(_) => {
            let mut tx = db.begin().await?;
            insert_many(&mut tx, entries).await?;
            tx.commit().await
        }
    }
}

/// What the audit viewer searches by; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The acting user.
    pub user_id: Option<i64>,
    /// Part of the actor's email or client name (case-insensitive).
    pub actor: String,
    pub record_id: Option<i64>,
    pub target_user_id: Option<i64>,
    /// An exact action name, or a prefix ending in `.*` (`record.*`).
    pub action: String,
    pub outcome: String,
    /// From this instant (inclusive) to that one (exclusive).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    actor_client_id: Option<String>,
    actor_label: String,
    action: String,
    outcome: String,
    record_id: Option<i64>,
    target_user_id: Option<i64>,
    ip: Option<String>,
    request_id: Option<String>,
    details: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> AuditEntry {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_client_id: r.actor_client_id,
            actor_label: r.actor_label,
            action: r.action,
            outcome: r.outcome,
            record_id: r.record_id,
            target_user_id: r.target_user_id,
            ip: r.ip,
            request_id: r.request_id,
            details: serde_json::from_str(&r.details).unwrap_or_default(),
        }
    }
}

// Every filter is always bound ($1..$9), an empty one matching everything, so the SQL text is
// fixed and written once for both databases.
const WHERE: &str = "($1 IS NULL OR actor_user_id = $1)
    AND ($2 = '' OR LOWER(actor_label) LIKE $2 ESCAPE '\\')
    AND ($3 IS NULL OR record_id = $3)
    AND ($4 IS NULL OR target_user_id = $4)
    AND ($5 = '' OR action = $5)
    AND ($6 = '' OR action LIKE $6 ESCAPE '\\')
    AND ($7 = '' OR outcome = $7)
    AND ($8 IS NULL OR at >= $8)
    AND ($9 IS NULL OR at < $9)";

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

struct Binds {
    actor: String,
    exact: String,
    prefix: String,
}

impl Filter {
    fn binds(&self) -> Binds {
        let actor = self.actor.trim().to_lowercase();
        let actor = if actor.is_empty() {
            actor
        } else {
            format!("%{}%", like_escape(&actor))
        };
        let action = self.action.trim();
        let (exact, prefix) = match action.strip_suffix('*') {
            Some(stem) => (String::new(), format!("{}%", like_escape(stem))),
            None => (action.to_string(), String::new()),
        };
        Binds {
            actor,
            exact,
            prefix,
        }
    }
}

macro_rules! bind_filter {
    ($q:expr, $f:expr, $b:expr) => {
        $q.bind($f.user_id)
            .bind(&$b.actor)
            .bind($f.record_id)
            .bind($f.target_user_id)
            .bind(&$b.exact)
            .bind(&$b.prefix)
            .bind(&$f.outcome)
            .bind($f.from)
            .bind($f.to)
    };
}

/// One page of matching entries, newest first, and how many match in all.
pub async fn search(
    db: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), sqlx::Error> {
    let b = f.binds();
    let list = format!(
        "SELECT id, {ENTRY_COLUMNS} FROM audit_log WHERE {WHERE} ORDER BY id DESC LIMIT $10 OFFSET $11"
    );
    let count = format!("SELECT COUNT(*) FROM audit_log WHERE {WHERE}");
    on_db!(db, p => {
        let rows: Vec<Row> = bind_filter!(sqlx::query_as(&list), f, b).bind(limit).bind(offset).fetch_all(p).await?;
        let total: i64 = bind_filter!(sqlx::query_scalar(&count), f, b).fetch_one(p).await?;
        Ok((rows.into_iter().map(AuditEntry::from).collect(), total))
    })
}

/// Up to `limit` matching entries older than entry `before`, newest first: an export reads
/// the log in such chunks, so it never holds the whole log in memory.
pub async fn chunk_before(
    db: &Db,
    f: &Filter,
    before: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let b = f.binds();
    let sql = format!(
        "SELECT id, {ENTRY_COLUMNS} FROM audit_log WHERE {WHERE} AND id < $10 ORDER BY id DESC LIMIT $11"
    );
    let rows: Vec<Row> = on_db!(db, p => bind_filter!(sqlx::query_as(&sql), f, b).bind(before).bind(limit).fetch_all(p).await)?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}
