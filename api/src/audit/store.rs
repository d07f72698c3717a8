//! SQL for the audit log.

use super::Entry;
use crate::db::Tx;
use crate::on_tx;

pub async fn insert(tx: &mut Tx, e: &Entry) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO audit_log (at, actor_user_id, actor_client_id, actor_label, action, outcome, record_id,
                                      target_user_id, ip, request_id, details)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    let details = e.details.to_string();
    on_tx!(tx, c => sqlx::query(sql)
        .bind(e.at).bind(e.actor_user_id).bind(&e.actor_client_id).bind(&e.actor_label).bind(e.action)
        .bind(e.outcome.as_str()).bind(e.record_id).bind(e.target_user_id).bind(&e.ip).bind(&e.request_id)
        .bind(&details)
        .execute(c).await.map(|_| ()))
}
