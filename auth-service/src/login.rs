//! The login policy, in the order it runs: count the attempt against the account and the client's
//! address *before* anything else, atomically, and refuse it past either limit (429; the first
//! refusal of a window and every hundredth after it audited);
//! verify the password (against a dummy hash when the email is unknown, so both cost the same);
//! record the outcome (a success clears the account's count and takes its attempt back from the
//! address; audited in the same transaction), then issue the token.

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
    let counters = Counters {
        account: format!("account:{email}"),
        addr: request.client_addr.map(|addr| throttle::client_key("addr", addr)),
    };
    let user = match admit(state, counters.clone(), email).await? {
        Admission::Admitted(user) => user,
        Admission::Refused { retry_after, audited } => {
            if audited {
                state.db.audit(AuditEvent::new(LOGIN, Outcome::Throttled, request)).await?;
            }
            state.login_outcomes.with_label_values(&[Outcome::Throttled.as_str()]).inc();
            return Err(ApiError::TooManyRequests { detail: "Too many failed logins; try again later", retry_after });
        }
    };
    let (user_id, stored) = user.map(|u| (u.id, u.password_hash)).unzip();
    let valid = state.hasher.run(move || password::verify_or_dummy(&password, stored.as_deref())).await?;
    let user_id = user_id.filter(|_| valid);
    record(state, request, counters, user_id).await?;
    state.keys.issue(user_id.ok_or(ApiError::InvalidCredentials)?)
}

/// What counting an attempt decided.
enum Admission {
    /// Within the limits: the account of this email, if there is one.
    Admitted(Option<UserRow>),
    /// Past the account's or the address's limit: wait `retry_after` seconds; `audited` when the
    /// refusal is one the audit trail keeps (`throttle::Count::refusal_is_audited`).
    Refused { retry_after: u64, audited: bool },
}

/// One trip to the database: counts the attempt and decides, looking the account up only when
/// the attempt is within the limits.
async fn admit(state: &AppState, counters: Counters, email: String) -> Result<Admission, ApiError> {
    let limits = state.limits.clone();
    state
        .db
        .run(move |conn| {
            let keys: Vec<&str> = std::iter::once(counters.account.as_str()).chain(counters.addr.as_deref()).collect();
            let counts = throttle::count_attempt(conn, &keys, limits.login_window_secs)?;
            let limit_of = |count: &throttle::Count| match count.key == counters.account {
                true => limits.login_max_failures_per_account,
                false => limits.login_max_failures_per_addr,
            };
            let refusals: Vec<(u64, bool)> = counts
                .iter()
                .filter_map(|count| {
                    count.over(limit_of(count)).map(|wait| (wait, count.refusal_is_audited(limit_of(count))))
                })
                .collect();
            if let Some(retry_after) = refusals.iter().map(|(wait, _)| *wait).max() {
                let audited = refusals.iter().any(|(_, audited)| *audited);
                return Ok(Admission::Refused { retry_after, audited });
            }
            Ok::<_, diesel::result::Error>(Admission::Admitted(users::find_by_email(conn, &email)?))
        })
        .await
}

/// Audits the attempt's outcome; a success also clears the account's count and takes its
/// attempt back from the address (whose other users' failures still count), in one transaction.
async fn record(
    state: &AppState,
    request: &RequestInfo,
    counters: Counters,
    user_id: Option<UserId>,
) -> Result<(), ApiError> {
    let event = match user_id {
        Some(id) => AuditEvent::new(LOGIN, Outcome::Success, request).user(id),
        None => AuditEvent::new(LOGIN, Outcome::Failure, request),
    };
    let outcome = event.outcome();
    state
        .db
        .audited(event, move |conn, _| {
            if user_id.is_none() {
                return Ok(());
            }
            throttle::clear(conn, &counters.account)?;
            counters.addr.as_deref().map_or(Ok(()), |addr| throttle::undo_attempt(conn, addr))
        })
        .await?;
    state.login_outcomes.with_label_values(&[outcome]).inc();
    Ok(())
}
