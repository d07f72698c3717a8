//! On SQLite, searches' audit entries are committed to a queue file beside the register
//! (`s117.audit-queue.db` for `s117.db`) and moved from there into `audit_log` in bulk.
//!
//! Why: in WAL mode, any commit to the register's file makes every other connection throw
//! away its page cache (and memory map) at the start of its next read, so one commit per
//! search batch (audit/batch.rs) made every search re-read its index pages from scratch.
//! Measured on 100k people, 32 connections, 2 cores: with the entries committed to a file
//! of their own, "harb" went from 3,208 to 5,686 searches/s and "ST5" from 2,814 to 5,283
//! (p50 9.6 → 5.3 ms and 11.0 → 5.7 ms); munmap and page faults had been a fifth of the CPU.
//! PostgreSQL has no such effect and writes straight to `audit_log`.
//!
//! The guarantee is unchanged: a search's results are returned only once its entry is
//! committed, durably (`synchronous=FULL`), in the queue file. Entries reach `audit_log`
//! within `S117_AUDIT_QUEUE_MOVE_MS` (a second), and anything that reads the audit log
//! moves them first ([`Queue::move_queued`] via `AuditWriter::flush`), as does a backup, so
//! no reader of the log misses one. After a crash the queue is moved on the next start.
//!
//! Exactly once: a move inserts the queued entries above a watermark into `audit_log` and
//! raises the watermark (`audit_queue_moved`, in the register's file) in one transaction of
//! the register's file; only afterwards are the moved entries deleted from the queue. A
//! crash between the two leaves entries at or below the watermark, which are never moved
//! again. Queue ids are AUTOINCREMENT, never reused, and a new queue file starts above the
//! watermark. Moved entries get `audit_log` ids in the order they are moved, so a search
//! can sit up to a second later in id order than a change made just after it; `at` holds
//! the true time.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection, SqlitePool};
use tokio::sync::Mutex;

use super::store::ENTRY_COLUMNS as COLUMNS;
use crate::db::Db;

/// The queue's table: `audit_log`'s columns (so [`super::store::insert_batch`] writes it
/// as it writes the log), with ids that are never reused.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_user_id INTEGER,
    actor_client_id TEXT,
    actor_label TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    record_id INTEGER,
    target_user_id INTEGER,
    ip TEXT,
    request_id TEXT,
    details TEXT NOT NULL DEFAULT '{}'
)";

/// The queue file of the SQLite register at `database` (`s117.db` → `s117.audit-queue.db`).
pub fn path_for(database: &Path) -> PathBuf {
    database.with_extension("audit-queue.db")
}

/// The register's pool and file, or `None` for PostgreSQL or an in-memory database (which
/// has no queue: its connections share one cache, and nothing survives it anyway).
fn register_file(db: &Db) -> Option<(&SqlitePool, PathBuf)> {
    let Db::Sqlite(pool) = db else { return None };
    let options = pool.connect_options();
    let file = options.get_filename();
    let name = file.to_string_lossy();
    // sqlx names an in-memory database `file:sqlx-in-memory-N`.
    let in_memory =
        name.is_empty() || name == ":memory:" || name.starts_with("file:sqlx-in-memory");
    (!in_memory).then(|| (pool, file.to_path_buf()))
}

/// The queue of a SQLite register: the file the writer commits entries to (one connection,
/// so the writer and the clean-up after a move take turns instead of meeting SQLite's busy
/// back-off), and what moves them into the log, one move at a time per process.
#[derive(Debug)]
pub struct Queue {
    file: SqlitePool,
    /// A connection to the register with the queue attached as `queue`.
    register: Mutex<SqliteConnection>,
}

impl Queue {
    /// Opens (creating if need be) the queue of `db`, or `None` when `db` is PostgreSQL or
    /// in memory. Anything left queued by an earlier run is moved into the log.
    pub async fn open(db: &Db) -> Result<Option<Queue>, sqlx::Error> {
        let Some((pool, file)) = register_file(db) else {
            return Ok(None);
        };
        let path = path_for(&file);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        let queue = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        sqlx::query(SCHEMA).execute(&queue).await?;
        let mut register = (*pool.connect_options()).clone().connect().await?;
        sqlx::query("ATTACH DATABASE $1 AS queue")
            .bind(path.to_string_lossy().into_owned())
            .execute(&mut register)
            .await?;
        // A new (or replaced) queue file numbers its entries from above the watermark.
        let moved: i64 = sqlx::query_scalar("SELECT upto FROM main.audit_queue_moved")
            .fetch_one(&mut register)
            .await?;
        sqlx::query(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_log', $1
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'audit_log')",
        )
        .bind(moved)
        .execute(&queue)
        .await?;
        sqlx::query("UPDATE sqlite_sequence SET seq = $1 WHERE name = 'audit_log' AND seq < $1")
            .bind(moved)
            .execute(&queue)
            .await?;
        let queue = Queue {
            file: queue,
            register: Mutex::new(register),
        };
        queue.move_queued().await?;
        Ok(Some(queue))
    }

    /// Where the writer commits entries.
    pub fn file(&self) -> Db {
        Db::Sqlite(self.file.clone())
    }

    /// Moves the queue into the log every `every`, until the last handle on it is dropped.
    pub fn move_periodically(self: &Arc<Self>, every: Duration) {
        let queue = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(queue) = queue.upgrade() else {
                    break;
                };
                if let Err(e) = queue.move_queued().await {
                    tracing::warn!(error = %e, "queued audit entries not moved yet; will retry");
                }
            }
        });
    }

    /// Moves every entry committed to the queue so far into `audit_log`; returns how many.
    /// Writes nothing to the register when there is nothing to move (so an idle tick does
    /// not cost the readers their caches).
    pub async fn move_queued(&self) -> Result<u64, sqlx::Error> {
        let mut register = self.register.lock().await;
        let moved = self.move_into_log(&mut register).await?;
        self.forget_moved(&mut register).await?;
        Ok(moved)
    }

    /// Step 1: the entries above the watermark into the log, and the watermark up, in one
    /// transaction of the register's file.
    async fn move_into_log(&self, register: &mut SqliteConnection) -> Result<u64, sqlx::Error> {
        let pending: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM queue.audit_log
                            WHERE id > (SELECT upto FROM main.audit_queue_moved))",
        )
        .fetch_one(&mut *register)
        .await?;
        if !pending {
            return Ok(0);
        }
        // Deferred, so the queue is only read, never locked against the writer; the first
        // statement writes the register, so it waits for the write lock with the busy
        // timeout (no earlier read to upgrade). Both statements read one snapshot of the
        // queue, so the watermark is exactly the last entry inserted.
        sqlx::query("BEGIN").execute(&mut *register).await?;
        let result = async {
            let inserted = sqlx::query(&format!(
                "INSERT INTO main.audit_log ({COLUMNS}) SELECT {COLUMNS} FROM queue.audit_log
                 WHERE id > (SELECT upto FROM main.audit_queue_moved) ORDER BY id"
            ))
            .execute(&mut *register)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE main.audit_queue_moved
                 SET upto = MAX(upto, (SELECT COALESCE(MAX(id), 0) FROM queue.audit_log))",
            )
            .execute(&mut *register)
            .await?;
            sqlx::query("COMMIT").execute(&mut *register).await?;
            Ok::<u64, sqlx::Error>(inserted)
        }
        .await;
        if result.is_err() {
            let _ = sqlx::query("ROLLBACK").execute(&mut *register).await;
        }
        result
    }

    /// Step 2: the moved entries out of the queue (through the writer's one connection).
    async fn forget_moved(&self, register: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        let moved: i64 = sqlx::query_scalar("SELECT upto FROM main.audit_queue_moved")
            .fetch_one(&mut *register)
            .await?;
        sqlx::query("DELETE FROM audit_log WHERE id <= $1")
            .bind(moved)
            .execute(&self.file)
            .await?;
        Ok(())
    }
}

/// Opens the queue of the register `db` and moves what it holds (for `s117 backup`,
/// so a copy taken while the server runs holds every search's entry).
pub async fn move_all(db: &Db) -> Result<u64, sqlx::Error> {
    // No queue file: nothing queued (and a register not yet migrated to one needs none).
    if !register_file(db).is_some_and(|(_, file)| path_for(&file).exists()) {
        return Ok(0);
    }
    match Queue::open(db).await? {
        None => Ok(0),
        Some(q) => {
            let moved = q.move_queued().await?;
            q.file.close().await;
            Ok(moved)
        }
    }
}

/// Parses a `sqlite:` URL's options (for tests that open a register's queue by URL).
pub fn queue_path_of_url(url: &str) -> Option<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let file = options.get_filename();
    (!file.as_os_str().is_empty()).then(|| path_for(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{store, Entry, Outcome};
    use crate::authn::RequestMeta;

    async fn register(dir: &Path) -> Db {
        let url = format!("sqlite://{}", dir.join("s117.db").display());
        let db = Db::connect_url(&url, 4, Duration::from_secs(5))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        db
    }

    fn entry(q: &str) -> Entry {
        Entry::new(
            "records.searched",
            Outcome::Success,
            None,
            &RequestMeta::default(),
            chrono::Utc::now(),
        )
        .details(serde_json::json!({ "q": q }))
    }

    async fn logged(db: &Db) -> Vec<String> {
        let Db::Sqlite(p) = db else { unreachable!() };
        sqlx::query_scalar(
            "SELECT details FROM audit_log WHERE action = 'records.searched' ORDER BY id",
        )
        .fetch_all(p)
        .await
        .unwrap()
    }

    /// The queue as the next start of the server opens it (its file closed first).
    async fn reopen(q: Queue, db: &Db) -> Queue {
        q.file.close().await;
        drop(q);
        Queue::open(db).await.unwrap().unwrap()
    }

    async fn queued(q: &Queue) -> i64 {
        let p = &q.file;
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(p)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn queued_entries_reach_the_log_once_in_order_even_after_a_crash_between_the_steps() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(dir.path()).await;
        let q = Queue::open(&db)
            .await
            .unwrap()
            .expect("a file register has a queue");
        assert!(path_for(&dir.path().join("s117.db")).exists());
        store::insert_batch(&q.file(), &[&entry("a"), &entry("b")])
            .await
            .unwrap();
        assert!(
            logged(&db).await.is_empty(),
            "nothing is in the log before a move"
        );
        // A crash after step 1: the entries are in the log and still queued.
        let mut register = q.register.lock().await;
        assert_eq!(q.move_into_log(&mut register).await.unwrap(), 2);
        assert_eq!(q.move_into_log(&mut register).await.unwrap(), 0);
        drop(register);
        assert_eq!(queued(&q).await, 2);
        store::insert_batch(&q.file(), &[&entry("c")])
            .await
            .unwrap();
        assert_eq!(q.move_queued().await.unwrap(), 1);
        assert_eq!(queued(&q).await, 0);
        assert_eq!(
            logged(&db).await,
            [r#"{"q":"a"}"#, r#"{"q":"b"}"#, r#"{"q":"c"}"#]
        );
        // Nothing to move writes nothing.
        assert_eq!(q.move_queued().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_restart_moves_what_was_left_and_a_new_queue_file_numbers_above_the_watermark() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(dir.path()).await;
        let q = Queue::open(&db).await.unwrap().unwrap();
        store::insert_batch(&q.file(), &[&entry("a")])
            .await
            .unwrap();
        assert_eq!(q.move_queued().await.unwrap(), 1);
        store::insert_batch(&q.file(), &[&entry("left")])
            .await
            .unwrap();
        // The next start finds "left" and moves it.
        let q = reopen(q, &db).await;
        assert_eq!(logged(&db).await, [r#"{"q":"a"}"#, r#"{"q":"left"}"#]);
        q.file.close().await;
        drop(q);
        // The queue file lost (or replaced): new entries still move.
        let path = path_for(&dir.path().join("s117.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let q = Queue::open(&db).await.unwrap().unwrap();
        store::insert_batch(&q.file(), &[&entry("new")])
            .await
            .unwrap();
        assert_eq!(q.move_queued().await.unwrap(), 1);
        assert_eq!(logged(&db).await.len(), 3);
    }

    #[tokio::test]
    async fn an_older_queue_file_numbers_on_from_the_watermark() {
        let dir = tempfile::tempdir().unwrap();
        let db = register(dir.path()).await;
        let q = Queue::open(&db).await.unwrap().unwrap();
        store::insert_batch(&q.file(), &[&entry("a"), &entry("b"), &entry("c")])
            .await
            .unwrap();
        assert_eq!(q.move_queued().await.unwrap(), 3);
        // As if an older copy of the queue file were put back: its sequence is behind.
        sqlx::query("UPDATE sqlite_sequence SET seq = 1 WHERE name = 'audit_log'")
            .execute(&q.file)
            .await
            .unwrap();
        let q = reopen(q, &db).await;
        store::insert_batch(&q.file(), &[&entry("d")])
            .await
            .unwrap();
        assert_eq!(q.move_queued().await.unwrap(), 1);
        assert_eq!(logged(&db).await.len(), 4);
    }

    #[tokio::test]
    async fn an_in_memory_register_has_no_queue() {
        let db = Db::connect_url("sqlite::memory:", 1, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(Queue::open(&db).await.unwrap().is_none());
    }
}
