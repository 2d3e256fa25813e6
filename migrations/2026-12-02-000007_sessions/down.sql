DROP INDEX audit_events_user_id_idx;
DROP INDEX users_tokens_not_before_idx;
ALTER TABLE users DROP COLUMN tokens_not_before;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
