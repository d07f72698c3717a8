-- Notifications that must not be lost (account locked or unlocked, password changed).
-- A row is written in the same transaction as the event it reports and delivered by the
-- outbox worker (api/src/mail/outbox.rs), retried with back-off until the SMTP server
-- accepts it. Emails carrying a PIN or a password are never stored here.
CREATE TABLE mail_outbox (
    id              BIGSERIAL   PRIMARY KEY,
    recipient       TEXT        NOT NULL,
    -- templates::Email::kind(): account_locked, password_changed, ...
    kind            TEXT        NOT NULL,
    subject         TEXT        NOT NULL,
    body_text       TEXT        NOT NULL,
    body_html       TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    -- failed attempts so far, plus the successful one
    attempts        BIGINT      NOT NULL DEFAULT 0,
    -- when the row is next due; a claimed row is leased by moving this forward
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- set once, when the SMTP server accepted the email; a sent row is never sent again
    sent_at         TIMESTAMPTZ,
    -- why the last attempt failed (never the body)
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL;
