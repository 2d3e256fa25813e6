//! Attempt counting in fixed windows, in PostgreSQL so every auth-service instance sees the same
//! counts. Keys are `account:<email>`, `addr:<client>` and `register:<client>`, where a client is
//! an IPv4 address or an IPv6 /64 (one host's usual share; an IPv4-mapped IPv6 address is its
//! IPv4 address). A window starts at its first attempt and ends `window_secs` later, after which
//! the key may try again: there is no permanent lockout.
//!
//! An attempt is counted *before* the work it limits (a password hash), in one statement that
//! returns the new counts, so parallel attempts cannot all pass a check made before any of them
//! was recorded: with a limit of 10, exactly 10 of 60 simultaneous guesses are let through.

use std::net::IpAddr;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Integer, Text};

/// The throttle key of a client address: IPv4 as is, IPv6 by its /64.
pub fn client_key(prefix: &str, addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => format!("{prefix}:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("{prefix}:{v4}"),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}:{net}/64")
            }
        },
    }
}

/// One key's count after an attempt was added to it.
#[derive(QueryableByName)]
pub struct Count {
    #[diesel(sql_type = Text)]
    pub key: String,
    /// Attempts in the current window, this one included.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// Seconds until the current window ends.
    #[diesel(sql_type = BigInt)]
    pub window_left: i64,
    /// Seconds since the key's previous counted attempt (a new key: a day).
    #[diesel(sql_type = Double)]
    pub since_last: f64,
    /// When the previous counted attempt was, to put back if this one is taken back.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub previous_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Count {
    /// Seconds to wait when this attempt is past `limit` (0 disables the limit).
    pub fn over(&self, limit: i32) -> Option<u64> {
        (limit > 0 && self.attempts > limit).then(|| self.window_left.unsigned_abs().max(1))
    }

    /// The progressive form of [`over`](Self::over): past `limit`, one attempt may follow the
    /// previous one after a delay that doubles with each failure beyond the budget (1 s, 2 s, 4 s,
    /// ... up to [`MAX_SPACING_SECS`]); one that comes sooner waits the rest of that delay.
    pub fn too_soon(&self, limit: i32) -> Option<u64> {
        if limit <= 0 || self.attempts <= limit {
            return None;
        }
        let beyond = u32::try_from(self.attempts - limit - 1).unwrap_or(u32::MAX).min(16);
        let spacing = (1u64 << beyond).min(MAX_SPACING_SECS) as f64;
        (self.since_last < spacing).then(|| (spacing - self.since_last).ceil().max(1.0) as u64)
    }

    /// Whether a refusal at this count is one the audit trail keeps: the first past `limit` in
    /// the window, then every [`AUDIT_EVERY`]th, so a flood of refused attempts writes a row per
    /// hundred rather than one each (the metrics still count every one).
    pub fn refusal_is_audited(&self, limit: i32) -> bool {
        let past = self.attempts - limit;
        past == 1 || (past > 0 && past % AUDIT_EVERY == 0)
    }
}

/// One audit row for this many refused attempts of one key in a window (after the first).
pub const AUDIT_EVERY: i32 = 100;

/// The longest spacing the progressive address limit asks for: an address past its budget still
/// gets an attempt a minute, so a user behind a shared address waits at most that.
pub const MAX_SPACING_SECS: u64 = 60;

/// Adds one attempt to each of `keys` (starting a new window where the last one has passed) and
/// returns their counts, in one statement. The keys' rows stay locked until the transaction ends,
/// so a caller that takes an attempt back ([`take_back`]) does so before any other attempt counts.
pub fn count_attempt(conn: &mut PgConnection, keys: &[&str], window_secs: u32) -> QueryResult<Vec<Count>> {
    diesel::sql_query(
        "WITH previous AS (SELECT key, last_attempt_at FROM login_throttle WHERE key = ANY($1::text[]) FOR UPDATE), \
         counted AS ( \
         INSERT INTO login_throttle (key, failures, window_start) SELECT k, 1, now() FROM unnest($1::text[]) AS k \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start <= now() - make_interval(secs => $2) \
                           THEN 1 ELSE login_throttle.failures + 1 END, \
           window_start = CASE WHEN login_throttle.window_start <= now() - make_interval(secs => $2) \
                               THEN now() ELSE login_throttle.window_start END, \
           last_attempt_at = now() \
         RETURNING key, failures, window_start) \
         SELECT c.key, c.failures AS attempts, \
           GREATEST(1, CEIL(EXTRACT(EPOCH FROM c.window_start + make_interval(secs => $2) - now())))::bigint AS window_left, \
           COALESCE(EXTRACT(EPOCH FROM now() - p.last_attempt_at)::float8, 86400) AS since_last, \
           p.last_attempt_at AS previous_at \
         FROM counted c LEFT JOIN previous p USING (key)",
    )
    .bind::<Array<Text>, _>(keys)
    .bind::<Double, _>(f64::from(window_secs))
    .load(conn)
}

/// Takes back the attempt just counted on `count`'s key, as if it never came (a refusal that asks
/// for patience must not itself push the wait further). Run it in the counting transaction.
pub fn take_back(conn: &mut PgConnection, count: &Count) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE login_throttle SET failures = GREATEST(failures - 1, 0), last_attempt_at = COALESCE($2, last_attempt_at) \
         WHERE key = $1",
    )
    .bind::<Text, _>(&count.key)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, _>(count.previous_at)
    .execute(conn)
    .map(drop)
}

/// Takes back one attempt from `key` (a success does not count against a shared address).
pub fn undo_attempt(conn: &mut PgConnection, key: &str) -> QueryResult<()> {
    diesel::sql_query("UPDATE login_throttle SET failures = GREATEST(failures - 1, 0) WHERE key = $1")
        .bind::<Text, _>(key)
        .execute(conn)
        .map(drop)
}

/// Forgets `key`'s attempts (a successful login resets its account's count).
pub fn clear(conn: &mut PgConnection, key: &str) -> QueryResult<()> {
    use shared::db::schema::login_throttle::dsl;
    diesel::delete(dsl::login_throttle.filter(dsl::key.eq(key))).execute(conn).map(drop)
}

#[cfg(test)]
mod tests {
    use super::client_key;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
        let key = |ip: &str| client_key("addr", ip.parse().unwrap());
        assert_eq!(key("203.0.113.9"), "addr:203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9"), "addr:203.0.113.9");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "addr:2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::2"), key("2001:db8:1:2:aaaa::1"), "one /64, one budget");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }
}
