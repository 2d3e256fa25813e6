DROP TABLE idempotency_keys;
DROP INDEX tasks_user_trash_idx, tasks_user_title_idx, tasks_user_priority_idx, tasks_user_due_desc_idx,
           tasks_user_due_idx, tasks_user_updated_idx, tasks_user_created_idx;
ALTER TABLE tasks
    DROP COLUMN version,
    DROP COLUMN completed_at,
    DROP COLUMN started_at,
    DROP COLUMN priority,
    DROP COLUMN due_at;
