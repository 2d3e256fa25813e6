//! Failed-login counting in fixed windows, in PostgreSQL so every auth-service instance sees the
//! same counts. Keys are `account:<email>`, `addr:<ip>` and `register:<ip>`; a window starts at
//! its first failure and ends `window_secs` later, after which the key may try again: there is no
//! permanent lockout.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Text};

#[derive(QueryableByName)]
struct RetryAfter {
    #[diesel(sql_type = BigInt)]
    seconds: i64,
}

/// Seconds until `key` may try again, when it has `limit` or more failures in the current window.
pub fn blocked_for(conn: &mut PgConnection, key: &str, limit: i32, window_secs: u32) -> QueryResult<Option<u64>> {
    if limit <= 0 {
        return Ok(None);
    }
    diesel::sql_query(
        "SELECT GREATEST(1, CEIL(EXTRACT(EPOCH FROM window_start + make_interval(secs => $2) - now())))::bigint AS seconds \
         FROM login_throttle WHERE key = $1 AND failures >= $3 AND window_start > now() - make_interval(secs => $2)",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(f64::from(window_secs))
    .bind::<Integer, _>(limit)
    .get_result::<RetryAfter>(conn)
    .optional()
    .map(|row| row.map(|r| r.seconds.unsigned_abs()))
}

/// Counts one failure for `key`, starting a new window when the last one has passed.
pub fn record_failure(conn: &mut PgConnection, key: &str, window_secs: u32) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, now()) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start <= now() - make_interval(secs => $2) \
                           THEN 1 ELSE login_throttle.failures + 1 END, \
           window_start = CASE WHEN login_throttle.window_start <= now() - make_interval(secs => $2) \
                               THEN now() ELSE login_throttle.window_start END",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(f64::from(window_secs))
    .execute(conn)
    .map(drop)
}

/// Forgets `key`'s failures (a successful login resets its account's count).
pub fn clear(conn: &mut PgConnection, key: &str) -> QueryResult<()> {
    use shared::db::schema::login_throttle::dsl;
    diesel::delete(dsl::login_throttle.filter(dsl::key.eq(key))).execute(conn).map(drop)
}
