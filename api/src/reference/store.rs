//! SQL for reference values.

use s117_shared::reference::{ReferenceItem, ReferenceList};

use crate::db::Db;
use crate::on_db;

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
