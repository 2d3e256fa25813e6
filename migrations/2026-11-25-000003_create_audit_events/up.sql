-- The audit trail (spec section 4, "Auditing"): every authentication attempt and every task change,
-- written in the same transaction as the change it records. No foreign keys: events outlive the
-- rows they mention and are purged after 90 days. No emails, passwords or tokens are stored.
CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    action      VARCHAR(32)  NOT NULL,
    outcome     VARCHAR(16)  NOT NULL CHECK (outcome IN ('success', 'failure', 'throttled')),
    user_id     BIGINT,
    task_id     BIGINT,
    request_id  VARCHAR(128),
    client_addr VARCHAR(64)
);

-- Retention purge, and "what did this user do" during an investigation.
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);
CREATE INDEX audit_events_user_idx ON audit_events (user_id, occurred_at) WHERE user_id IS NOT NULL;
