-- The address limit is progressive (issue 15): past its budget an address may still try, once per
-- delay that grows with its failures, which needs the time of its last counted attempt.
ALTER TABLE login_throttle ADD COLUMN last_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now();
