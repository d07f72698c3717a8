-- Users, sign-in challenges (emailed PINs), sessions, API clients, and the audit log.

CREATE TABLE users (
    id                   BIGSERIAL   PRIMARY KEY,
    email                TEXT        NOT NULL UNIQUE,
    name                 TEXT        NOT NULL,
    password_hash        TEXT        NOT NULL,
    status               TEXT        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked', 'disabled')),
    must_change_password BOOLEAN     NOT NULL DEFAULT TRUE,
    failed_logins        INTEGER     NOT NULL DEFAULT 0,
    failed_pins          INTEGER     NOT NULL DEFAULT 0,
    permissions          TEXT        NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    last_sign_in_at      TIMESTAMPTZ,
    password_changed_at  TIMESTAMPTZ
);

CREATE TABLE login_challenges (
    id          TEXT        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id),
    pin_hash    TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    attempts    INTEGER     NOT NULL DEFAULT 0,
    used_at     TIMESTAMPTZ,
    voided_at   TIMESTAMPTZ
);
CREATE INDEX login_challenges_user ON login_challenges (user_id, created_at);

CREATE TABLE sessions (
    id           TEXT        PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_clients (
    id           TEXT        PRIMARY KEY,
    name         TEXT        NOT NULL,
    secret_hash  TEXT        NOT NULL,
    scopes       TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   BIGINT      REFERENCES users (id),
    rotated_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id              BIGSERIAL   PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   BIGINT,
    actor_client_id TEXT,
    actor_label     TEXT        NOT NULL DEFAULT '',
    action          TEXT        NOT NULL,
    outcome         TEXT        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    record_id       BIGINT,
    target_user_id  BIGINT,
    ip              TEXT,
    request_id      TEXT,
    details         TEXT        NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, at);
CREATE INDEX audit_log_record ON audit_log (record_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- The audit log is append-only: nothing edits or deletes an entry, not even the server.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
