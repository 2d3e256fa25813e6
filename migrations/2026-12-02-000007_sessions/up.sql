-- Revocable sessions (issue 18, ADR 0006). One row per sign-in; access tokens carry its id
-- (`sid`), refresh tokens rotate within it. auth-service writes these rows and announces every
-- ended session with `NOTIFY taskhub_revocations` in the same transaction; every verifier keeps
-- the ended ones in memory.
CREATE TABLE sessions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT       NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    last_used_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    -- A refresh token cannot renew the session after this (the absolute lifetime).
    expires_at     TIMESTAMPTZ  NOT NULL,
    user_agent     VARCHAR(256),
    client_addr    VARCHAR(64),
    ended_at       TIMESTAMPTZ,
    end_reason     VARCHAR(32)  CHECK (end_reason IN ('logout', 'logout_all', 'ended', 'password_changed',
                                                    'account_deleted', 'refresh_reused', 'reset', 'evicted'))
);

-- "My sessions", and ending every session of a user.
CREATE INDEX sessions_user_live_idx ON sessions (user_id, id) WHERE ended_at IS NULL;
-- What the verifiers load: the sessions ended within an access token's lifetime.
CREATE INDEX sessions_ended_at_idx ON sessions (ended_at) WHERE ended_at IS NOT NULL;

-- Refresh tokens, stored only as SHA-256 hashes of their 256 random bits. A used one is kept
-- (with `used_at`) as long as its session, so presenting it again is recognised as theft.
CREATE TABLE refresh_tokens (
    token_hash  BYTEA        PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    session_id  BIGINT       NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    used_at     TIMESTAMPTZ
);

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Tokens issued before sessions existed carry no `sid`: ending "every session" of a user also
-- refuses those issued up to this instant.
ALTER TABLE users ADD COLUMN tokens_not_before TIMESTAMPTZ;
CREATE INDEX users_tokens_not_before_idx ON users (tokens_not_before) WHERE tokens_not_before IS NOT NULL;

-- The security log (`GET /api/auth/events`): one user's events, newest first.
CREATE INDEX audit_events_user_id_idx ON audit_events (user_id, id) WHERE user_id IS NOT NULL;
