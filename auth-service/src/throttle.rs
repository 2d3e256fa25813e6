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
}

impl Count {
    /// Seconds to wait when this attempt is past `limit` (0 disables the limit).
    pub fn over(&self, limit: i32) -> Option<u64> {
        (limit > 0 && self.attempts > limit).then(|| self.window_left.unsigned_abs().max(1))
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

/// Adds one attempt to each of `keys` (starting a new window where the last one has passed) and
/// returns their counts, in one statement.
pub fn count_attempt(conn: &mut PgConnection, keys: &[&str], window_secs: u32) -> QueryResult<Vec<Count>> {
    diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, window_start) SELECT k, 1, now() FROM unnest($1::text[]) AS k \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN login_throttle.window_start <= now() - make_interval(secs => $2) \
                           THEN 1 ELSE login_throttle.failures + 1 END, \
           window_start = CASE WHEN login_throttle.window_start <= now() - make_interval(secs => $2) \
                               THEN now() ELSE login_throttle.window_start END \
         RETURNING key, failures AS attempts, \
           GREATEST(1, CEIL(EXTRACT(EPOCH FROM window_start + make_interval(secs => $2) - now())))::bigint AS window_left",
    )
    .bind::<Array<Text>, _>(keys)
    .bind::<Double, _>(f64::from(window_secs))
    .load(conn)
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
