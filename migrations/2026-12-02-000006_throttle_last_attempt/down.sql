ALTER TABLE login_throttle DROP COLUMN last_attempt_at;
