//! SQL for the audit log.

use super::Entry;
use crate::db::Tx;
use crate::on_tx;

const COLUMNS: &str = "INSERT INTO audit_log (at, actor_user_id, actor_client_id, actor_label, action, outcome, record_id,
                                             target_user_id, ip, request_id, details) VALUES ";

pub async fn insert(tx: &mut Tx, e: &Entry) -> Result<(), sqlx::Error> {
    insert_many(tx, &[e]).await
}

/// Inserts the entries with as few statements as it can, in chunks of a few fixed sizes (so
/// each connection keeps a handful of prepared statements, not one per batch size).
pub async fn insert_many(tx: &mut Tx, entries: &[&Entry]) -> Result<(), sqlx::Error> {
    let mut rest = entries;
    while !rest.is_empty() {
        let n = [32, 8, 1]
            .into_iter()
            .find(|n| *n <= rest.len())
            .unwrap_or(1);
        let (chunk, tail) = rest.split_at(n);
        insert_chunk(tx, chunk).await?;
        rest = tail;
    }
    Ok(())
}

async fn insert_chunk(tx: &mut Tx, entries: &[&Entry]) -> Result<(), sqlx::Error> {
    let rows: Vec<String> = (0..entries.len())
        .map(|i| {
            let params: Vec<String> = (1..=11).map(|k| format!("${}", i * 11 + k)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!("{COLUMNS}{}", rows.join(", "));
    let details: Vec<String> = entries.iter().map(|e| e.details.to_string()).collect();
    on_tx!(tx, c => {
        let mut q = sqlx::query(&sql);
        for (e, details) in entries.iter().zip(&details) {
            q = q.bind(e.at).bind(e.actor_user_id).bind(&e.actor_client_id).bind(&e.actor_label).bind(e.action)
                .bind(e.outcome.as_str()).bind(e.record_id).bind(e.target_user_id).bind(&e.ip).bind(&e.request_id)
                .bind(details);
        }
        q.execute(c).await.map(|_| ())
    })
}
