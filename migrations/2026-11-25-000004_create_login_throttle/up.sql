-- Failed-login counters in fixed windows, keyed by account ('account:<email>') and by client
-- address ('addr:<ip>'). Kept in PostgreSQL so limits hold across several auth-service instances.
CREATE TABLE login_throttle (
    key          VARCHAR(320) PRIMARY KEY,
    failures     INTEGER      NOT NULL CHECK (failures >= 0),
    window_start TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Purge of expired windows.
CREATE INDEX login_throttle_window_start_idx ON login_throttle (window_start);
