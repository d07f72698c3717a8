//! SQL for reference values.

use s117_shared::reference::{ReferenceItem, ReferenceList};

use crate::db::{Db, Tx};
use crate::{on_db, on_tx};

#[derive(sqlx::FromRow)]
struct Row {
    code: String,
    name: String,
    display_name: String,
    active: bool,
    sort_order: i64,
    valid_from: Option<chrono::NaiveDate>,
    valid_to: Option<chrono::NaiveDate>,
    aliases: String,
    attributes: String,
}

impl From<Row> for ReferenceItem {
    fn from(r: Row) -> Self {
        ReferenceItem {
            code: r.code,
            name: r.name,
            display_name: r.display_name,
            active: r.active,
            sort_order: r.sort_order,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            aliases: r
                .aliases
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect(),
            attributes: serde_json::from_str(&r.attributes).unwrap_or_default(),
        }
    }
}

/// The values of a list in display order; retired ones too when `include_retired`.
pub async fn list(
    db: &Db,
    list: ReferenceList,
    include_retired: bool,
) -> Result<Vec<ReferenceItem>, sqlx::Error> {
    let sql = "SELECT code, name, display_name, active, sort_order, valid_from, valid_to, aliases, attributes
               FROM reference_values WHERE list = $1 AND (active OR $2) ORDER BY sort_order, display_name, code";
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(sql).bind(list.slug()).bind(include_retired).fetch_all(p).await)?;
    Ok(rows.into_iter().map(ReferenceItem::from).collect())
}

/// Inserts the values whose code is not there yet; returns how many were added.
pub async fn insert_missing(
    db: &Db,
    list: ReferenceList,
    items: &[ReferenceItem],
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let mut added = 0;
    for item in items {
        let sql = "INSERT INTO reference_values
                   (list, code, name, display_name, active, sort_order, valid_from, valid_to, aliases, attributes)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                   ON CONFLICT (list, code) DO NOTHING";
        let aliases = item.aliases.join("|");
        let attributes = serde_json::Value::Object(item.attributes.clone()).to_string();
        let done = crate::on_tx!(&mut tx, c => sqlx::query(sql)
            .bind(list.slug()).bind(&item.code).bind(&item.name).bind(&item.display_name)
            .bind(item.active).bind(item.sort_order).bind(item.valid_from).bind(item.valid_to)
            .bind(&aliases).bind(&attributes)
            .execute(c).await.map(|r| r.rows_affected()))?;
        added += done;
    }
    tx.commit().await?;
    Ok(added)
}

/// Where each list's codes are stored on records: a value used in any of these columns is
/// in use, and can never be deleted.
fn used_in(list: ReferenceList) -> &'static [(&'static str, &'static str)] {
    match list {
        ReferenceList::LocalAuthorities => {
            &[("episodes", "responsible_la"), ("people", "current_la")]
        }
        ReferenceList::Commissioners => &[
            ("episodes", "responsible_commissioner"),
            ("people", "current_commissioner"),
        ],
        ReferenceList::EthnicCategories => &[("people", "ethnicity")],
        ReferenceList::Genders => &[("people", "gender")],
        ReferenceList::QualifyingSections => &[("episodes", "qualifying_section")],
        ReferenceList::PlacesDetained => &[("episodes", "place_detained")],
        ReferenceList::GpPractices => &[("people", "gp_practice")],
    }
}

/// The codes of `list` that some record uses.
pub async fn codes_in_use(
    db: &Db,
    list: ReferenceList,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut used = std::collections::HashSet::new();
    for (table, column) in used_in(list) {
        let sql = format!(
            "SELECT DISTINCT {column} FROM {table} WHERE {column} IN (SELECT code FROM reference_values WHERE list = $1)"
        );
        let codes: Vec<String> =
            on_db!(db, p => sqlx::query_scalar(&sql).bind(list.slug()).fetch_all(p).await)?;
        used.extend(codes);
    }
    Ok(used)
}

/// Whether a record uses `code` of `list` (checked inside the deleting transaction).
pub async fn in_use(tx: &mut Tx, list: ReferenceList, code: &str) -> Result<bool, sqlx::Error> {
    for (table, column) in used_in(list) {
        // COUNT over a LIMIT 1 subquery: stops at the first use, and decodes as an integer
        // on both databases (EXISTS is a boolean on one and an integer on the other).
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {column} = $1 LIMIT 1) AS used"
        );
        let used: i64 = on_tx!(tx, c => sqlx::query_scalar(&sql).bind(code).fetch_one(c).await)?;
        if used > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

#[derive(sqlx::FromRow)]
pub struct AdminRow {
    pub code: String,
    pub name: String,
    pub display_name: String,
    pub active: bool,
    pub sort_order: i64,
    pub locally_added: bool,
}

/// Every value of a list, retired ones too, in display order.
pub async fn admin_list(db: &Db, list: ReferenceList) -> Result<Vec<AdminRow>, sqlx::Error> {
    let sql = "SELECT code, name, display_name, active, sort_order, locally_added
               FROM reference_values WHERE list = $1 ORDER BY sort_order, display_name, code";
    on_db!(db, p => sqlx::query_as(sql).bind(list.slug()).fetch_all(p).await)
}

/// How many values of each list are active and retired: `(list slug, active, count)`.
pub async fn counts(db: &Db) -> Result<Vec<(String, bool, i64)>, sqlx::Error> {
    let sql = "SELECT list, active, COUNT(*) FROM reference_values GROUP BY list, active";
    on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)
}

pub async fn value(
    tx: &mut Tx,
    list: ReferenceList,
    code: &str,
) -> Result<Option<AdminRow>, sqlx::Error> {
    let sql = "SELECT code, name, display_name, active, sort_order, locally_added
               FROM reference_values WHERE list = $1 AND code = $2";
    on_tx!(tx, c => sqlx::query_as(sql).bind(list.slug()).bind(code).fetch_optional(c).await)
}

/// Whether another value of the list already shows this name (case-insensitive).
pub async fn display_name_taken(
    tx: &mut Tx,
    list: ReferenceList,
    display_name: &str,
    except_code: &str,
) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM reference_values WHERE list = $1 AND LOWER(display_name) = LOWER($2) AND code <> $3";
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(list.slug()).bind(display_name).bind(except_code).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Adds a locally added value at the end of the list.
pub async fn insert_local(
    tx: &mut Tx,
    list: ReferenceList,
    code: &str,
    display_name: &str,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO reference_values (list, code, name, display_name, active, sort_order, locally_added)
               VALUES ($1, $2, $3, $3, TRUE,
                       (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM reference_values WHERE list = $1), TRUE)";
    on_tx!(tx, c => sqlx::query(sql).bind(list.slug()).bind(code).bind(display_name).execute(c).await.map(|_| ()))
}

pub async fn rename(
    tx: &mut Tx,
    list: ReferenceList,
    code: &str,
    display_name: &str,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE reference_values SET display_name = $3 WHERE list = $1 AND code = $2";
    on_tx!(tx, c => sqlx::query(sql).bind(list.slug()).bind(code).bind(display_name).execute(c).await.map(|_| ()))
}

pub async fn set_active(
    tx: &mut Tx,
    list: ReferenceList,
    code: &str,
    active: bool,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE reference_values SET active = $3 WHERE list = $1 AND code = $2";
    on_tx!(tx, c => sqlx::query(sql).bind(list.slug()).bind(code).bind(active).execute(c).await.map(|_| ()))
}

pub async fn delete(tx: &mut Tx, list: ReferenceList, code: &str) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM reference_values WHERE list = $1 AND code = $2";
    on_tx!(tx, c => sqlx::query(sql).bind(list.slug()).bind(code).execute(c).await.map(|_| ()))
}
