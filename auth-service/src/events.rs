//! The caller's security log (`GET /api/auth/events`): their sign-ins and failed attempts,
//! refreshes, reused refresh tokens, ended sessions, password changes and account deletion, from
//! the audit trail, newest first, for the audit trail's 90 days; paged by a keyset cursor (the
//! last event's id), so events written meanwhile never make a page repeat or skip one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use shared::db::schema::audit_events;
use shared::{ApiError, UserId};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The audit actions the security log shows (task changes are not security events).
pub const SECURITY_ACTIONS: [&str; 9] = [
    "register",
    "login",
    crate::refresh::REFRESH,
    crate::refresh::REFRESH_REUSED,
    crate::sessions::LOGOUT,
    crate::sessions::LOGOUT_ALL,
    crate::sessions::SESSION_END,
    crate::account::PASSWORD_CHANGE,
    crate::account::ACCOUNT_DELETE,
];

/// How many days back the log reaches: the audit trail's retention.
const LOG_DAYS: i64 = 90;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Events per page, 1-200 (default 50).
    #[validate(range(min = 1, max = 200, message = "must be 1 to 200"))]
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One entry of the security log.
#[derive(Debug, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct SecurityEvent {
    #[schema(example = 812)]
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// `register`, `login`, `refresh`, `refresh_reused`, `logout`, `logout_all`, `session_end`,
    /// `password_change` or `account_delete`.
    #[schema(example = "login")]
    pub action: String,
    /// `success`, `failure` or `throttled`.
    #[schema(example = "failure")]
    pub outcome: String,
    #[schema(example = "203.0.113.7")]
    pub client_addr: Option<String>,
}

/// A page of the security log.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<SecurityEvent>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("e{id}"))
}

/// The id a cursor continues after; 422 for anything [`encode_cursor`] did not make.
fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    let invalid = || ApiError::invalid("cursor", "is not a cursor of this list");
    let text =
        URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(invalid)?;
    text.strip_prefix('e').and_then(|id| id.parse::<i64>().ok()).filter(|id| *id > 0).ok_or_else(invalid)
}

/// `user`'s page of the log that `params` asks for.
pub fn page(conn: &mut PgConnection, user: UserId, params: &EventParams) -> Result<EventPage, ApiError> {
    let limit = params.limit.unwrap_or(50);
    let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
    let since = Utc::now() - chrono::Duration::days(LOG_DAYS);
    let mut query = audit_events::table
        .filter(audit_events::user_id.eq(user.0))
        .filter(audit_events::action.eq_any(SECURITY_ACTIONS))
        .filter(audit_events::occurred_at.gt(since))
        .order(audit_events::id.desc())
        .limit(limit + 1)
        .select(SecurityEvent::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(audit_events::id.lt(after));
    }
    let mut events = query.load(conn).map_err(ApiError::from)?;
    let more = events.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more.then(|| events.last().map(|e| encode_cursor(e.id))).flatten();
    Ok(EventPage { events, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_others_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(812)).unwrap(), 812);
        for bad in ["", "abc", "ZTA", "!!", &URL_SAFE_NO_PAD.encode("e-5"), &URL_SAFE_NO_PAD.encode("x5")] {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
    }
}
