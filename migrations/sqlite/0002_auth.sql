-- Users, sign-in challenges (emailed PINs), sessions, API clients, and the audit log.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    email                TEXT    NOT NULL UNIQUE,       -- trimmed and lower-cased
    name                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,              -- argon2id PHC string
    status               TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked', 'disabled')),
    must_change_password BOOLEAN NOT NULL DEFAULT 1,
    failed_logins        INTEGER NOT NULL DEFAULT 0,    -- consecutive wrong passwords
    failed_pins          INTEGER NOT NULL DEFAULT 0,    -- consecutive wrong PINs, across challenges
    permissions          TEXT    NOT NULL DEFAULT '',   -- space-separated permission names
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    last_sign_in_at      TEXT,
    password_changed_at  TEXT
);

CREATE TABLE login_challenges (
    id          TEXT    PRIMARY KEY,                    -- random, unguessable
    user_id     INTEGER NOT NULL REFERENCES users (id),
    pin_hash    TEXT    NOT NULL,                       -- HMAC-SHA256 keyed hash of the PIN
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used_at     TEXT,
    voided_at   TEXT
);
CREATE INDEX login_challenges_user ON login_challenges (user_id, created_at);

CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,                      -- absolute limit
    revoked_at   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_clients (
    id           TEXT    PRIMARY KEY,                   -- the OAuth client_id
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL,                      -- argon2id PHC string
    scopes       TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    rotated_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT    NOT NULL,
    actor_user_id   INTEGER,
    actor_client_id TEXT,
    actor_label     TEXT    NOT NULL DEFAULT '',        -- email or client name at the time
    action          TEXT    NOT NULL,
    outcome         TEXT    NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    record_id       INTEGER,
    target_user_id  INTEGER,
    ip              TEXT,
    request_id      TEXT,
    details         TEXT    NOT NULL DEFAULT '{}'       -- JSON object
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, at);
CREATE INDEX audit_log_record ON audit_log (record_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- The audit log is append-only: nothing edits or deletes an entry, not even the server.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
