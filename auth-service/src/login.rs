//! The login policy, in the order it runs: refuse a throttled account or address (429, audited),
//! verify the password (against a dummy hash when the email is unknown, so both cost the same),
//! record the outcome (a failure counts against the account and the address, a success clears
//! the account's count; audited in the same transaction), then issue the token.

use shared::audit::{AuditEvent, Outcome};
use shared::auth::IssuedToken;
use shared::http::RequestInfo;
use shared::{ApiError, UserId};

use crate::password;
use crate::state::AppState;
use crate::throttle;
use crate::users::{self, UserRow};

const LOGIN: &str = "login";

/// The throttle counters one attempt touches.
#[derive(Clone)]
struct Counters {
    account: String,
    /// `None` when the client's address is unknown.
    addr: Option<String>,
}

/// Exchanges `email` (normalised) and `password` for a token, or says why not.
pub async fn login(
    state: &AppState,
    request: &RequestInfo,
    email: String,
    password: String,
) -> Result<IssuedToken, ApiError> {
    let counters =
        Counters { account: format!("account:{email}"), addr: request.client_addr.map(|addr| format!("addr:{addr}")) };
    let (retry_after, user) = check(state, counters.clone(), email).await?;
    if let Some(retry_after) = retry_after {
        state.db.audit(AuditEvent::new(LOGIN, Outcome::Throttled, request)).await?;
        state.login_outcomes.with_label_values(&[Outcome::Throttled.as_str()]).inc();
        return Err(ApiError::TooManyRequests { detail: "Too many failed logins; try again later", retry_after });
    }
    let (user_id, stored) = user.map(|u| (u.id, u.password_hash)).unzip();
    let valid = state.hasher.run(move || password::verify_or_dummy(&password, stored.as_deref())).await?;
    let user_id = user_id.filter(|_| valid);
    record(state, request, counters, user_id).await?;
    state.keys.issue(user_id.ok_or(ApiError::InvalidCredentials)?)
}

/// One trip to the database: how long the account or the address is throttled for, if it is,
/// and otherwise whose email this is.
async fn check(
    state: &AppState,
    counters: Counters,
    email: String,
) -> Result<(Option<u64>, Option<UserRow>), ApiError> {
    let limits = state.limits.clone();
    state
        .db
        .run(move |conn| {
            let window = limits.login_window_secs;
            let mut throttled =
                throttle::blocked_for(conn, &counters.account, limits.login_max_failures_per_account, window)?;
            if let Some(addr) = &counters.addr {
                throttled =
                    throttled.max(throttle::blocked_for(conn, addr, limits.login_max_failures_per_addr, window)?);
            }
            let user = if throttled.is_none() { users::find_by_email(conn, &email)? } else { None };
            Ok::<_, diesel::result::Error>((throttled, user))
        })
        .await
}

/// Counts the attempt's outcome and audits it, in one transaction.
async fn record(
    state: &AppState,
    request: &RequestInfo,
    counters: Counters,
    user_id: Option<UserId>,
) -> Result<(), ApiError> {
    let window = state.limits.login_window_secs;
    let event = match user_id {
        Some(id) => AuditEvent::new(LOGIN, Outcome::Success, request).user(id),
        None => AuditEvent::new(LOGIN, Outcome::Failure, request),
    };
    let outcome = event.outcome();
    state
        .db
        .audited(event, move |conn, _| {
            if user_id.is_some() {
                return throttle::clear(conn, &counters.account);
            }
            throttle::record_failure(conn, &counters.account, window)?;
            match &counters.addr {
                Some(addr) => throttle::record_failure(conn, addr, window),
                None => Ok(()),
            }
        })
        .await?;
    state.login_outcomes.with_label_values(&[outcome]).inc();
    Ok(())
}
