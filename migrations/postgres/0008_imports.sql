-- CSV bulk uploads: a checked upload waits here (nothing in the register changes) until it
-- is processed once or expires.

CREATE TABLE imports (
    id               TEXT    PRIMARY KEY,        -- random, unguessable
    file_name        TEXT    NOT NULL,
    sha256           TEXT    NOT NULL,
    encoding         TEXT    NOT NULL,
    uploaded_by      BIGINT,                    -- users.id (NULL for an API client)
    uploaded_by_label TEXT   NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('checked', 'processed')),
    total_rows       BIGINT  NOT NULL,
    count_new        BIGINT  NOT NULL,
    count_updated    BIGINT  NOT NULL,
    count_ended      BIGINT  NOT NULL,
    count_errors     BIGINT  NOT NULL,
    count_no_change  BIGINT  NOT NULL,
    ignored_columns  TEXT    NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    processed_at     TIMESTAMPTZ
);
CREATE INDEX imports_expires ON imports (expires_at);

-- One row per data row of the file: what the report shows, and what processing applies.
CREATE TABLE import_rows (
    import_id   TEXT    NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number  BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    report      TEXT    NOT NULL,   -- the report row (JSON)
    payload     TEXT,               -- what to apply (JSON), none for errors
    PRIMARY KEY (import_id, row_number)
);
CREATE INDEX import_rows_kind ON import_rows (import_id, kind, row_number);
