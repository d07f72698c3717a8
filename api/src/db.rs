//! The store's floor: one connection pool over SQLite or PostgreSQL, chosen by URL scheme.
//!
//! Why an enum and a macro rather than sqlx's `Any` driver: `Any` cannot decode PostgreSQL
//! `DATE`/`TIMESTAMPTZ` or SQLite booleans, so the same query fails at run time on one of the
//! two databases (TOOLCHAIN.md). Instead each capability's store writes its SQL once, with
//! `$1`-style placeholders that both databases accept, inside [`on_db!`] or [`on_tx!`]; the
//! macro expands the body once per backend, so each copy type-checks against its own driver
//! and binds native types (`NaiveDate`, `DateTime<Utc>`, `bool`). Where the dialects really
//! differ (full-text search, upserts on old SQLite), the store matches on [`Db`] itself.
//!
//! Behaviour both backends share, and which callers rely on:
//! - acquiring a connection gives up after `S117_DB_ACQUIRE_TIMEOUT_SECONDS` (5 s), which the
//!   API turns into 503, and a later request reconnects by itself once the database is back
//!   (a connection is checked before use once it has sat idle for a second, and after each
//!   use; a dead one is dropped and new ones are opened on demand);
//! - SQLite runs in WAL mode with `synchronous=FULL` (a committed change survives a power
//!   cut), foreign keys on, and a busy timeout so concurrent writers wait instead of failing;
//!   the log is checkpointed into the database file by a background task every half second
//!   rather than by the commit that fills it, so no request waits for a checkpoint;
//!   transactions begin IMMEDIATE so a read-then-write never fails on a lock upgrade.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::config::Config;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// A pool over one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either database. Store functions that must share one transaction
/// (a change and its audit entry) take `&mut Tx`.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the concrete pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection (`&mut SqliteConnection`
/// or `&mut PgConnection`): write queries as `.execute(&mut *$conn)`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

/// Writes the slice `$rows` with multi-row INSERTs of [`chunk_rows`] rows each, in order:
/// `$insert` is the statement up to `VALUES`, `$row` one row's placeholders (`?`, see
/// [`repeated`]), and `|$q, $r| $bind` binds one row's values to the query `$q` in the
/// placeholders' order. Evaluates to `Result<(), sqlx::Error>`, stopping at the first error.
#[macro_export]
macro_rules! insert_chunked {
    ($tx:expr, $insert:expr, $row:expr, $rows:expr, |$q:ident, $r:pat_param| $bind:expr) => {{
        let tx: &mut $crate::db::Tx = $tx;
        let per_row = $row.matches('?').count();
        let mut rest = &$rows[..];
        let mut written: Result<(), sqlx::Error> = Ok(());
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at($crate::db::chunk_rows(rest.len(), per_row));
            let sql = format!(
                "{} VALUES {}",
                $insert,
                $crate::db::repeated(tx.kind(), $row, chunk.len())
            );
            written = $crate::on_tx!(tx, c => {
                let mut $q = sqlx::query(&sql);
                for $r in chunk {
                    $q = $bind;
                }
                $q.execute(c).await.map(|_| ())
            });
            if written.is_err() {
                break;
            }
            rest = tail;
        }
        written
    }};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }
}

impl Db {
    /// Opens the pool (creating the SQLite file and its folder on first run).
    pub async fn connect(config: &Config) -> anyhow::Result<Db> {
        Self::connect_url(
            &config.database_url,
            config.db_max_connections,
            config.db_acquire_timeout,
        )
        .await
    }

    pub async fn connect_url(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            without_sqlite_memory_statistics();
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                // Pages are read through a memory map rather than copied into each
                // connection's cache: every commit (each search's audit entry) makes every
                // other connection drop its cache, and refilling it from the map costs a
                // pointer rather than a read() and a copy. The cache then only holds pages
                // still in the write-ahead log and pages being written, so it can be small.
                .pragma("mmap_size", "1073741824")
                .pragma("cache_size", "-4000")
                // Checkpoints run in the background (see `spawn_checkpointer`), not inside
                // whichever request's commit happens to fill the log.
                .pragma("wal_autocheckpoint", "0")
                // After the log starts again from its beginning, its file is cut back to
                // this size (see `spawn_checkpointer`).
                .pragma(
                    "journal_size_limit",
                    (WAL_RESTART_FRAMES * 4096).to_string(),
                );
            if let Some(parent) = options.get_filename().parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.min(16))
                .min_connections(1)
                // A SQLite connection is a file handle, not a socket: it cannot drop, and
                // the check before each use is a round trip to the connection's thread.
                .test_before_acquire(false)
                .acquire_timeout(acquire_timeout)
                .connect_with(options)
                .await?;
            spawn_checkpointer(pool.clone(), WAL_RESTART_FRAMES);
            Ok(Db::Sqlite(pool))
        } else {
            // Generic plans for prepared statements: every query here is an indexed OLTP
            // lookup whose best plan does not depend on the values bound, and with the default
            // (`auto`) PostgreSQL kept re-planning each search (0.5 ms of planning for 0.8 ms
            // of execution) because its custom-plan estimates looked cheaper.
            let options = PgConnectOptions::from_str(url)?
                .application_name("s117")
                .options([("plan_cache_mode", "force_generic_plan")]);
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(acquire_timeout)
                // A connection is checked (a round trip) only when it has sat idle, when a
                // database restart may have cut it: a check before every use cost a tenth of
                // a search's throughput (NHS number 5,600 → 6,700 req/s, "ST5 1" 2,900 →
                // 3,400 under 32 connections). sqlx checks each connection on its release as
                // well and closes it if it failed, so one cut in use fails only the query
                // that met it.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= CHECK_IF_IDLE_FOR {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        }
    }

    pub fn kind(&self) -> DbKind {
        match self {
            Db::Sqlite(_) => DbKind::Sqlite,
            Db::Postgres(_) => DbKind::Postgres,
        }
    }

    /// Applies every pending forward-only migration for this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
    }

    /// The newest applied migration's version (for the status page and tests).
    pub async fn migration_level(&self) -> Result<i64, sqlx::Error> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        on_db!(self, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
    }

    /// The newest migration this binary knows.
    pub fn latest_known_migration(&self) -> i64 {
        let m = match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        m.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// A round trip to the database (readiness).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Starts a transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock at
    /// once (waiting up to the busy timeout), because a deferred transaction that reads and
    /// then writes — a record view and its audit entry — fails at once with "database is
    /// locked" when another writer commits in between, without waiting at all.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

impl Tx {
    pub fn kind(&self) -> DbKind {
        match self {
            Tx::Sqlite(_) => DbKind::Sqlite,
            Tx::Postgres(_) => DbKind::Postgres,
        }
    }

    /// For a transaction that runs the same statements over a table that changes size under
    /// it (a bulk upload matching 1,000 keys at a time against people while adding to it):
    /// on PostgreSQL, plans each statement for the table as it is now, instead of the
    /// connection's generic plan (see `connect_url`), which may have been made when the table
    /// was empty. Such a plan (a sequential scan testing every row against a 1,000-value IN
    /// list) made processing 100,000 rows take minutes instead of seconds on some runs.
    pub async fn plan_each_statement(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(_) => Ok(()),
            Tx::Postgres(t) => {
                let c: &mut sqlx::PgConnection = &mut *t;
                sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                    .execute(c)
                    .await
                    .map(|_| ())
            }
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// Switches off SQLite's memory statistics, once, before the first connection opens. With
/// them on (the default), every allocation SQLite makes (each row's values, each page
/// cache entry) takes one process-wide mutex, so connections reading at once wait on each
/// other; the server never reads those statistics.
fn without_sqlite_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int. sqlite3_config may only be called
        // before SQLite initialises; afterwards (another library in the process opened a
        // database first) it returns SQLITE_MISUSE and changes nothing, which is harmless.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            )
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(rc, "SQLite memory statistics stay on");
        }
    });
}

/// How long a pooled PostgreSQL connection may sit idle before it is checked before use.
const CHECK_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Log pages (4 KiB) past which the checkpointer starts the SQLite log again (64 MiB). Each
/// restart holds writers back for a few milliseconds, so not too often.
const WAL_RESTART_FRAMES: i64 = 16384;

/// Copies the SQLite write-ahead log into the database file every half second (PASSIVE: it
/// never blocks readers or writers, and takes what it can). With SQLite's own automatic
/// checkpoint, the commit that crossed 1000 pages did the work, and every request waiting on
/// that commit (all searches waiting for their audit entry, say) waited tens of milliseconds
/// more. Stops when the pool is closed; closing the last connection checkpoints as well.
///
/// Under steady writes (every search commits an audit entry) a passive checkpoint never
/// catches the log's end, and SQLite only starts the log again from its beginning once a
/// checkpoint has caught it; the file then grew by the whole load (over 300 MB in a minute
/// of benchmark). So once the log holds more than `restart_frames` pages, a RESTART
/// checkpoint holds new writers back for the moment it takes to copy the last frames, and
/// the next commit starts the log afresh (`journal_size_limit` then trims the file).
///
/// The checkpoints run on a connection of their own, opened with the pool's settings but a
/// busy timeout of [`RESTART_PATIENCE`]: while a RESTART waits for readers to leave the
/// log, every writer waits too, and with the pool's 10 s timeout one long read (a full
/// export) held every audit commit, and so every search, back for its whole length, and
/// failed writes after 10 s. Giving up is harmless: the restart is tried again at the next
/// tick, and a reader holding the log that long is rare.
fn spawn_checkpointer(pool: SqlitePool, restart_frames: i64) {
    let options = (*pool.connect_options())
        .clone()
        .busy_timeout(RESTART_PATIENCE);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut conn: Option<SqliteConnection> = None;
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            let c = match &mut conn {
                Some(c) => c,
                None => match options.connect().await {
                    Ok(c) => conn.insert(c),
                    Err(e) => {
                        tracing::debug!(error = %e, "checkpoint connection not opened");
                        continue;
                    }
                },
            };
            // (busy, frames in the log, frames copied)
            let passive: Result<(i64, i64, i64), sqlx::Error> =
                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&mut *c)
                    .await;
            let checked = match passive {
                Ok((_, frames, _)) if frames > restart_frames => {
                    sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                        .execute(&mut *c)
                        .await
                        .map(|_| ())
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = checked {
                tracing::debug!(error = %e, "checkpoint skipped");
                conn = None; // opened afresh at the next tick
            }
        }
    });
}

/// How long the checkpointer's RESTART waits for readers to leave the log before it gives up
/// until the next tick: the longest a restart can hold a commit back (see
/// [`spawn_checkpointer`]).
const RESTART_PATIENCE: Duration = Duration::from_millis(25);

/// `rows` copies of `row`, comma-separated, for a multi-row `VALUES` list or an `IN (...)`
/// list: `row` marks each parameter `?`. On SQLite the marks stay anonymous `?`: sqlx's SQLite
/// driver asks SQLite for every parameter's name while binding, and SQLite finds a numbered
/// name (`$7`) by a linear scan of all of them, so binding a statement with numbered
/// parameters costs the square of their count (a 20,000-parameter INSERT spent seconds
/// there), and anonymous ones cost nothing. PostgreSQL only knows `$n`, numbered here in order.
/// Callers bind every parameter in order, repeating a value rather than reusing a number.
pub fn repeated(kind: DbKind, row: &str, rows: usize) -> String {
    let mut out = String::with_capacity((row.len() + 4 * row.matches('?').count()) * rows);
    let mut n = 0;
    for i in 0..rows {
        if i > 0 {
            out.push_str(", ");
        }
        match kind {
            DbKind::Sqlite => out.push_str(row),
            DbKind::Postgres => {
                for c in row.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// How many rows of `per_row` parameters one multi-row statement takes: a few fixed sizes (so
/// each connection keeps a handful of prepared statements, not one per length), the largest
/// that fits `left` rows and stays well inside both databases' parameter limits (SQLite's
/// bundled build allows 32,766, PostgreSQL 65,535).
pub fn chunk_rows(left: usize, per_row: usize) -> usize {
    const MAX_PARAMS: usize = 30_000;
    [1000, 100, 32, 8, 1]
        .into_iter()
        .find(|n| *n <= left && n * per_row <= MAX_PARAMS)
        .unwrap_or(1)
}

/// True when the error is a unique-constraint violation (a duplicate), on either database.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// True when the error means the database cannot be reached right now (→ 503).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh SQLite database as the server opens it (its own checkpointer included), with
    /// one table `t (id, v)`; the folder goes when the first value is dropped.
    async fn sqlite_with_table() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let Db::Sqlite(pool) = Db::connect_url(&url, 4, Duration::from_secs(5))
            .await
            .unwrap()
        else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        (dir, pool)
    }

    /// A RESTART checkpoint waits for readers to leave the log and holds every writer back
    /// while it waits; with the connections' 10 s busy timeout, one long read (a full
    /// export, a bulk load) stalled every audit commit, and so every search, for seconds
    /// (8.9 s seen during demo-data). It must give up quickly instead and try again later.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_log_restart_never_holds_writers_back_for_a_long_read() {
        let (_dir, pool) = sqlite_with_table().await;
        for _ in 0..200 {
            sqlx::query("INSERT INTO t (v) VALUES ('an audit entry')")
                .execute(&pool)
                .await
                .unwrap();
        }
        // A long read holding a snapshot that includes the log's frames.
        let mut reader = pool.acquire().await.unwrap();
        sqlx::query("BEGIN").execute(&mut *reader).await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM t")
            .execute(&mut *reader)
            .await
            .unwrap();
        // A checkpointer restarting at a test-sized log: its next ticks find 200+ frames.
        spawn_checkpointer(pool.clone(), 64);
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let started = std::time::Instant::now();
        for _ in 0..5 {
            sqlx::query("INSERT INTO t (v) VALUES ('a search')")
                .execute(&pool)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let took = started.elapsed();
        sqlx::query("COMMIT").execute(&mut *reader).await.unwrap();
        // Five commits and 1 s of pauses; a writer held back while the restart waits out
        // its busy timeout (10 s) for the reader would take far longer.
        assert!(took < Duration::from_secs(4), "five writes took {took:?}");
    }

    /// Under steady commits while readers always hold a snapshot, the log must keep starting
    /// again rather than grow by every commit (it grew past 300 MB under the search
    /// benchmark before the checkpointer restarted it).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_sqlite_log_starts_again_under_steady_writes_and_reads() {
        let (_dir, pool) = sqlite_with_table().await;
        // A second checkpointer, restarting at a test-sized log.
        spawn_checkpointer(pool.clone(), 64);
        // Readers that always hold a snapshot somewhere in the log.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut readers = Vec::new();
        for i in 0..2u64 {
            let (pool, stop) = (pool.clone(), stop.clone());
            readers.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(5 * i)).await;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let mut c = pool.acquire().await.unwrap();
                    sqlx::query("BEGIN").execute(&mut *c).await.unwrap();
                    sqlx::query("SELECT COUNT(*) FROM t")
                        .execute(&mut *c)
                        .await
                        .unwrap();
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    sqlx::query("COMMIT").execute(&mut *c).await.unwrap();
                }
            }));
        }
        let started = std::time::Instant::now();
        let mut commits = 0i64;
        while started.elapsed() < Duration::from_secs(3) {
            sqlx::query("INSERT INTO t (v) VALUES ('an audit entry')")
                .execute(&pool)
                .await
                .unwrap();
            commits += 1;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // The readers stop first: while they hold snapshots, a RESTART checkpoint in progress
        // keeps the checkpoint lock (waiting for them) and a passive one reports -1, which on
        // a busy machine lasted over a second. Stopping them does not shorten the log.
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for r in readers {
            r.await.unwrap();
        }
        // Frames now in the log (a passive checkpoint copies and reports; it never restarts
        // it), asked again while another checkpoint is running (-1).
        let mut frames = -1;
        let asked = std::time::Instant::now();
        while asked.elapsed() < Duration::from_secs(20) {
            (_, frames, _) = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await
                .unwrap();
            if frames >= 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            (0..commits / 2).contains(&frames),
            "{frames} frames in the log after {commits} commits"
        );
    }
}
