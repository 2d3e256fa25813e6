//! The login policy, in the order it runs: count the attempt *before* anything else, atomically,
//! against the client's device when it presented a valid device cookie (`device`), otherwise
//! against the account and the client's address, and refuse it past a limit (429; the first
//! refusal of a window and every hundredth after it audited);
//! verify the password (against a dummy hash when the email is unknown, so both cost the same);
//! a failure is audited (against the account, when the email has one) and answered 401; a
//! success clears the account's count and takes its attempt back from the address, in the same
//! transaction as what it was for: a login starts a session and issues its tokens. A password
//! change or an account deletion checks the password through the same door ([`authenticate`]).

use diesel::Connection;
use shared::ApiError;
use shared::audit::{AuditEvent, Outcome};
use shared::auth::IssuedToken;
use shared::http::RequestInfo;

use crate::device::Device;
use crate::password;
use crate::sessions::{self, Client, Renewed};
use crate::state::AppState;
use crate::throttle;
use crate::users::{self, UserRow};

const LOGIN: &str = "login";

/// The throttle counters of one attempt.
#[derive(Clone)]
struct Counters {
    account: String,
    /// `None` when the client's address is unknown.
    addr: Option<String>,
    /// A trusted device's own counter: then the account's and the address's are left alone.
    device: Option<String>,
}

impl Counters {
    /// The keys this attempt counts against.
    fn counted(&self) -> Vec<&str> {
        match &self.device {
            Some(device) => vec![device.as_str()],
            None => std::iter::once(self.account.as_str()).chain(self.addr.as_deref()).collect(),
        }
    }
}

/// A sign-in: the access token and the session's first refresh token.
pub struct SignedIn {
    pub access: IssuedToken,
    pub session: Renewed,
}

/// Exchanges `email` (normalised) and `password` for a session and its tokens, or says why not.
/// `device` is the client's valid device cookie for this account, if it sent one.
pub async fn login(
    state: &AppState,
    request: &RequestInfo,
    client: Client,
    email: String,
    password: String,
    device: Option<Device>,
) -> Result<SignedIn, ApiError> {
    let passed = authenticate(state, request, LOGIN, email, password, device).await?;
    let user = passed.user.id;
    let event = AuditEvent::new(LOGIN, Outcome::Success, request).user(user);
    let lifetimes = state.sessions.clone();
    let mut session = state
        .db
        .audited(event, move |conn, _| {
            passed.settle(conn)?;
            sessions::start(conn, user, &client, &lifetimes)
        })
        .await?;
    state.verifier.revocations.learn(std::mem::take(&mut session.evicted.0));
    state.login_outcomes.with_label_values(&[Outcome::Success.as_str()]).inc();
    Ok(SignedIn { access: state.verifier.keys.issue(user, session.session)?, session })
}

/// A password that matched: its account, and the counters its success is still to clear.
pub struct Passed {
    pub user: UserRow,
    counters: Counters,
}

impl Passed {
    /// Clears the account's count and the device's, or takes the attempt back from the address
    /// (whose other users' failures still count): call it in the transaction the check was for.
    pub fn settle(&self, conn: &mut diesel::PgConnection) -> diesel::QueryResult<()> {
        let counters = &self.counters;
        throttle::clear(conn, &counters.account)?;
        match (&counters.device, &counters.addr) {
            (Some(device), _) => throttle::clear(conn, device),
            (None, Some(addr)) => throttle::undo_attempt(conn, addr),
            (None, None) => Ok(()),
        }
    }
}

/// Counts the attempt and checks `password` for `email`'s account: 429 past a limit, 401
/// `Invalid credentials` (audited as a failed `action`) when it does not match.
pub async fn authenticate(
    state: &AppState,
    request: &RequestInfo,
    action: &'static str,
    email: String,
    password: String,
    device: Option<Device>,
) -> Result<Passed, ApiError> {
    let counters = Counters {
        account: format!("account:{email}"),
        addr: request.client_addr.map(|addr| throttle::client_key("addr", addr)),
        device: device.map(|d| format!("device:{}", d.id)),
    };
    let user = match admit(state, counters.clone(), email).await? {
        Admission::Admitted(user) => user,
        Admission::Refused { retry_after, audited } => {
            if audited {
                state.db.audit(AuditEvent::new(action, Outcome::Throttled, request)).await?;
            }
            state.login_outcomes.with_label_values(&[Outcome::Throttled.as_str()]).inc();
            return Err(ApiError::TooManyRequests { detail: "Too many failed logins; try again later", retry_after });
        }
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = state.hasher.run(move || password::verify_or_dummy(&password, stored.as_deref())).await?;
    match user {
        Some(user) if valid => Ok(Passed { user, counters }),
        user => {
            let mut event = AuditEvent::new(action, Outcome::Failure, request);
            event.user_id = user.map(|u| u.id);
            state.db.audit(event).await?;
            state.login_outcomes.with_label_values(&[Outcome::Failure.as_str()]).inc();
            Err(ApiError::InvalidCredentials)
        }
    }
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
/// the attempt is within the limits. The account's and the device's limits are fixed budgets per
/// window; the address's is progressive: past its budget, attempts are spaced by a growing delay,
/// and one that comes too soon is taken back as if it never came (so that hammering from a shared
/// address cannot push everyone else's wait further).
async fn admit(state: &AppState, counters: Counters, email: String) -> Result<Admission, ApiError> {
    let limits = state.limits.clone();
    state
        .db
        .run(move |conn| {
            conn.transaction(|conn| {
                let counts = throttle::count_attempt(conn, &counters.counted(), limits.login_window_secs)?;
                let mut refusals: Vec<(u64, bool)> = Vec::new();
                for count in &counts {
                    let (limit, wait) = match count.key.split_once(':').map(|(kind, _)| kind) {
                        Some("device") => (limits.login_max_failures_per_device, None),
                        Some("account") => (limits.login_max_failures_per_account, None),
                        _ => (limits.login_max_failures_per_addr, count.too_soon(limits.login_max_failures_per_addr)),
                    };
                    if let Some(wait) = wait {
                        for counted in &counts {
                            throttle::take_back(conn, counted)?;
                        }
                        // The refusals themselves are counted apart, for the audit trail's first
                        // and every hundredth.
                        let refused = format!("refused:{}", count.key);
                        let refusals_so_far = throttle::count_attempt(conn, &[&refused], limits.login_window_secs)?;
                        refusals.push((wait, refusals_so_far.iter().any(|r| r.refusal_is_audited(0))));
                    } else if let Some(wait) = count.over(limit).filter(|_| !count.key.starts_with("addr:")) {
                        refusals.push((wait, count.refusal_is_audited(limit)));
                    }
                }
                if let Some(retry_after) = refusals.iter().map(|(wait, _)| *wait).max() {
                    let audited = refusals.iter().any(|(_, audited)| *audited);
                    return Ok(Admission::Refused { retry_after, audited });
                }
                Ok::<_, diesel::result::Error>(Admission::Admitted(users::find_by_email(conn, &email)?))
            })
        })
        .await
}
