-- Searches' audit entries are committed to a queue file beside the register and moved into
-- audit_log in bulk (api/src/audit/queue.rs). `upto` is the id of the last queue entry moved:
-- it rises in the same transaction as the entries' insert into audit_log, so a crash between
-- a move and the queue's clean-up never moves an entry twice.
CREATE TABLE audit_queue_moved (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO audit_queue_moved (id, upto) VALUES (1, 0);
