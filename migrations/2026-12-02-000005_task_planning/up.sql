-- Planning and safe changes (issue 17): due dates, priorities, progress times and a version per task,
-- the indexes that serve each list order, and the stored answers of idempotent requests.
-- `priority` is a rank (0 low, 1 normal, 2 high, 3 urgent) so that sorting by it sorts by urgency.
-- Existing tasks keep no progress times: when they were started or completed was never recorded.
ALTER TABLE tasks
    ADD COLUMN due_at       TIMESTAMPTZ,
    ADD COLUMN priority     SMALLINT     NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 3),
    ADD COLUMN started_at   TIMESTAMPTZ,
    ADD COLUMN completed_at TIMESTAMPTZ,
    ADD COLUMN version      BIGINT       NOT NULL DEFAULT 1 CHECK (version > 0);

-- One index per list order, each ending in id (the tie-break the cursors rely on). Tasks without a
-- due date come last in both directions, so `-due_at` needs its own index (a backward scan of the
-- ascending one would put them first). Titles sort by the ICU root collation, whatever the
-- database's locale: case-insensitive at first, then deterministic.
CREATE INDEX tasks_user_created_idx  ON tasks (user_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_updated_idx  ON tasks (user_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_due_idx      ON tasks (user_id, due_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_due_desc_idx ON tasks (user_id, due_at DESC NULLS LAST, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_user_title_idx    ON tasks (user_id, (title COLLATE "und-x-icu"), id) WHERE deleted_at IS NULL;
-- The trash, most recently deleted first.
CREATE INDEX tasks_user_trash_idx    ON tasks (user_id, deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;

-- The first answer to a request sent with an `Idempotency-Key`, kept 24 hours per user so that a
-- retry replays it. `request` is the request as parsed (endpoint and canonical JSON body): the same
-- key with another request is refused. Only successful answers are kept.
CREATE TABLE idempotency_keys (
    user_id    BIGINT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        VARCHAR(255)  NOT NULL,
    request    TEXT          NOT NULL,
    status     SMALLINT      NOT NULL,
    body       TEXT          NOT NULL,
    created_at TIMESTAMPTZ   NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
-- `migrate purge` removes expired keys.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
