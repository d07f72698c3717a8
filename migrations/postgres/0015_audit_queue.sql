-- Nothing to do on PostgreSQL: searches' audit entries go straight to audit_log. On SQLite
-- this migration adds the watermark of the audit queue file (api/src/audit/queue.rs); the
-- numbering stays the same on both databases.
SELECT 1;
