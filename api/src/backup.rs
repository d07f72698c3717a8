//! `s117 backup --to FILE`: a consistent copy of a running SQLite register, made online with
//! `VACUUM INTO` (a single read transaction, so the copy is one moment's state even while
//! the server writes), then checked with `PRAGMA integrity_check`. Restoring is copying the
//! file back into place and pointing `S117_DATABASE_URL` at it (README, "Backups").
//!
//! PostgreSQL deployments back up with the database's own tools (`pg_dump`), which also
//! cover point-in-time recovery; the command says so rather than half-doing it.

use std::path::Path;

use anyhow::{bail, Context};

use crate::config::Config;
use crate::db::Db;

/// What the operator is told to do on PostgreSQL.
pub const POSTGRES_ADVICE: &str = "this register uses PostgreSQL: back it up with pg_dump, e.g. \
pg_dump --format=custom --file=s117.dump \"$S117_DATABASE_URL\" (restore with pg_restore); see the README, \"Backups\"";

/// Makes the backup; returns a one-line report.
pub async fn run(config: &Config, to: &Path) -> anyhow::Result<String> {
    if !config.database_url.starts_with("sqlite:") {
        bail!(POSTGRES_ADVICE);
    }
    if to.exists() {
        bail!(
            "{} exists already: choose a new file name (a backup never overwrites)",
            to.display()
        );
    }
    let db = Db::connect(config).await.with_context(|| {
        format!(
            "cannot open the database {}",
            crate::config::redact_url(&config.database_url)
        )
    })?;
    let result = copy(&db, to).await;
    db.close().await;
    let level = result?;
    check(to).await?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "backed up to {} ({bytes} bytes, migration {level}, integrity ok)",
        to.display()
    ))
}

async fn copy(db: &Db, to: &Path) -> anyhow::Result<i64> {
    let level = db.migration_level().await.unwrap_or(0);
    if level == 0 {
        bail!("there is no register in this database yet (run s117 migrate or s117 serve first)");
    }
    let Db::Sqlite(pool) = db else {
        bail!(POSTGRES_ADVICE)
    };
    // Searches' audit entries still in the queue file join the log first (audit/queue.rs).
    crate::audit::queue::move_all(db)
        .await
        .context("cannot move queued audit entries into the log")?;
    let target = to
        .to_str()
        .context("the backup file name must be valid UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await
        .with_context(|| format!("cannot write the backup {}", to.display()))?;
    Ok(level)
}

/// Opens the copy on its own and asks SQLite to check every page and index.
async fn check(to: &Path) -> anyhow::Result<()> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(to)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    let answer: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if answer != "ok" {
        bail!(
            "the backup {} failed its integrity check: {answer}",
            to.display()
        );
    }
    Ok(())
}
