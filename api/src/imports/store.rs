//! SQL for checked uploads and their rows.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use s117_shared::import::ImportCounts;

use crate::db::{chunk_rows, repeated, Db, Tx};
use crate::{insert_chunked, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportHead {
    pub id: String,
    pub file_name: String,
    pub sha256: String,
    pub encoding: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_by_label: String,
    pub status: String,
    pub total_rows: i64,
    pub count_new: i64,
    pub count_updated: i64,
    pub count_ended: i64,
    pub count_errors: i64,
    pub count_no_change: i64,
    pub ignored_columns: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl ImportHead {
    pub fn counts(&self) -> ImportCounts {
        ImportCounts {
            new: self.count_new,
            updated: self.count_updated,
            ended: self.count_ended,
            errors: self.count_errors,
            no_change: self.count_no_change,
        }
    }
}

const HEAD_COLUMNS: &str = "id, file_name, sha256, encoding, uploaded_by, uploaded_by_label, status, total_rows, count_new,
    count_updated, count_ended, count_errors, count_no_change, ignored_columns, created_at, expires_at, processed_at";

pub async fn insert_head(tx: &mut Tx, h: &ImportHead) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO imports ({HEAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    );
    on_tx!(tx, c => sqlx::query(&sql)
        .bind(&h.id).bind(&h.file_name).bind(&h.sha256).bind(&h.encoding).bind(h.uploaded_by).bind(&h.uploaded_by_label)
        .bind(&h.status).bind(h.total_rows).bind(h.count_new).bind(h.count_updated).bind(h.count_ended)
        .bind(h.count_errors).bind(h.count_no_change).bind(&h.ignored_columns).bind(h.created_at).bind(h.expires_at)
        .bind(h.processed_at)
        .execute(c).await.map(|_| ()))
}

/// A stored row: the report's JSON, and for rows that change something, what to apply.
pub struct RowOut {
    pub row_number: i64,
    pub kind: &'static str,
    pub report: String,
    pub payload: Option<String>,
}

/// Inserts the rows, a few multi-row statements at a time.
pub async fn insert_rows(tx: &mut Tx, import_id: &str, rows: &[RowOut]) -> Result<(), sqlx::Error> {
    insert_chunked!(
        tx,
        "INSERT INTO import_rows (import_id, row_number, kind, report, payload)",
        "(?, ?, ?, ?, ?)",
        rows,
        |q, r| q
            .bind(import_id)
            .bind(r.row_number)
            .bind(r.kind)
            .bind(&r.report)
            .bind(&r.payload)
    )
}

pub async fn head(db: &Db, id: &str) -> Result<Option<ImportHead>, sqlx::Error> {
    let sql = format!("SELECT {HEAD_COLUMNS} FROM imports WHERE id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)
}

pub async fn head_in(tx: &mut Tx, id: &str) -> Result<Option<ImportHead>, sqlx::Error> {
    let sql = format!("SELECT {HEAD_COLUMNS} FROM imports WHERE id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
}

/// One page of a tab's report rows (JSON), in row order; `kind` `None` is every row.
pub async fn report_rows(
    db: &Db,
    id: &str,
    kind: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT report FROM import_rows WHERE import_id = $1 AND ($2 IS NULL OR kind = $2)
               ORDER BY row_number LIMIT $3 OFFSET $4";
    let sql_pg =
        "SELECT report FROM import_rows WHERE import_id = $1 AND ($2::text IS NULL OR kind = $2)
               ORDER BY row_number LIMIT $3 OFFSET $4";
    match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar(sql)
                .bind(id)
                .bind(kind)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await
        }
        Db::Postgres(p) => {
            sqlx::query_scalar(sql_pg)
                .bind(id)
                .bind(kind)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await
        }
    }
}

/// Rows to apply (everything but errors and no-change rows), in row order, a batch at a time.
pub async fn payloads(
    tx: &mut Tx,
    id: &str,
    after_row: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let sql = "SELECT row_number, kind, payload FROM import_rows
               WHERE import_id = $1 AND row_number > $2 AND kind IN ('new', 'updated', 'ended')
               ORDER BY row_number LIMIT $3";
    on_tx!(tx, c => sqlx::query_as(sql).bind(id).bind(after_row).bind(limit).fetch_all(c).await)
}

/// Marks the upload processed if it is still checked and not expired; false otherwise. The
/// first statement of processing: on PostgreSQL its row lock makes a second, concurrent
/// process wait and then find nothing to do.
pub async fn claim(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE imports SET status = 'processed', processed_at = $2
               WHERE id = $1 AND status = 'checked' AND expires_at > $2";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))
}

/// Removes uploads past their expiry, with their rows; returns how many.
pub async fn remove_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, c => {
        sqlx::query("DELETE FROM import_rows WHERE import_id IN (SELECT id FROM imports WHERE expires_at <= $1)")
            .bind(now).execute(&mut *c).await?;
        sqlx::query("DELETE FROM imports WHERE expires_at <= $1").bind(now).execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(n)
}

pub async fn set_counts(tx: &mut Tx, h: &ImportHead) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE imports SET total_rows = $2, count_new = $3, count_updated = $4, count_ended = $5,
                 count_errors = $6, count_no_change = $7 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(&h.id).bind(h.total_rows).bind(h.count_new).bind(h.count_updated)
        .bind(h.count_ended).bind(h.count_errors).bind(h.count_no_change).execute(c).await.map(|_| ()))
}

/// The people a batch of rows could match, by each duplicate-detection key (DESIGN.md §3;
/// the same keys and columns as `records::store::find_duplicate`, asked for many rows at
/// once so that checking a large file costs a few queries per thousand rows, not three per
/// row). Name matches keep the lowest id, as `find_duplicate` does.
#[derive(Default)]
pub struct Matches {
    pub nhs: HashMap<String, i64>,
    pub sid: HashMap<String, i64>,
    pub name: HashMap<(String, NaiveDate), i64>,
}

pub async fn matches(
    tx: &mut Tx,
    nhs: &[String],
    sids: &[String],
    name_keys: &[String],
) -> Result<Matches, sqlx::Error> {
    let mut m = Matches::default();
    let kind = tx.kind();
    let mut rest = nhs;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(chunk_rows(rest.len(), 1));
        let sql = format!(
            "SELECT nhs_number, id FROM people WHERE nhs_number IN ({})",
            repeated(kind, "?", chunk.len())
        );
        let rows: Vec<(String, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for k in chunk { q = q.bind(k); }
            q.fetch_all(c).await
        })?;
        m.nhs.extend(rows);
        rest = tail;
    }
    let mut rest = sids;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(chunk_rows(rest.len(), 1));
        let sql = format!(
            "SELECT source_system_id, id FROM people WHERE source_system_id IN ({})",
            repeated(kind, "?", chunk.len())
        );
        let rows: Vec<(String, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for k in chunk { q = q.bind(k); }
            q.fetch_all(c).await
        })?;
        m.sid.extend(rows);
        rest = tail;
    }
    let mut rest = name_keys;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(chunk_rows(rest.len(), 1));
        let sql = format!(
            "SELECT name_key, date_of_birth, id FROM people WHERE name_key IN ({}) ORDER BY id DESC",
            repeated(kind, "?", chunk.len())
        );
        let rows: Vec<(String, NaiveDate, i64)> = on_tx!(tx, c => {
            let mut q = sqlx::query_as(&sql);
            for k in chunk { q = q.bind(k); }
            q.fetch_all(c).await
        })?;
        // Highest id first, so the lowest is inserted last and kept.
        for (key, dob, id) in rows {
            m.name.insert((key, dob), id);
        }
        rest = tail;
    }
    Ok(m)
}
