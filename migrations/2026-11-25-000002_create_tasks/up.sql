-- Tasks, owned by task-service. Every query filters by user_id, so the live-task index leads with it.
CREATE TABLE tasks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       VARCHAR(200)  NOT NULL CHECK (btrim(title) <> ''),
    description VARCHAR(2000),
    status      VARCHAR(20)   NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_progress', 'completed')),
    created_at  TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ   NOT NULL DEFAULT now(),
    deleted_at  TIMESTAMPTZ
);

-- List and get of a user's live tasks: (user_id, id) answers both, in id order, from the index.
CREATE INDEX tasks_user_live_idx ON tasks (user_id, id) WHERE deleted_at IS NULL;
-- Retention purge of soft-deleted tasks.
CREATE INDEX tasks_deleted_at_idx ON tasks (deleted_at) WHERE deleted_at IS NOT NULL;
