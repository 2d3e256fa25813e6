//! The refresh policy: count the attempt against the client's address (its own budget, never the
//! login's: running up an account's failed logins cannot sign its owner out of a device that holds
//! a session), rotate the token, audit the outcome in the same transaction, and answer a new access
//! token. A token used before ends its session (RFC 9700 4.14) and is audited as `refresh_reused`.

use shared::ApiError;
use shared::audit::{AuditEvent, Outcome};
use shared::auth::IssuedToken;
use shared::http::RequestInfo;

use crate::sessions::{self, Client, Renewed, Rotation};
use crate::state::AppState;
use crate::throttle;

pub const REFRESH: &str = "refresh";
pub const REFRESH_REUSED: &str = "refresh_reused";

/// A new access token and the session's next refresh token for `token`, or 401.
pub async fn refresh(
    state: &AppState,
    request: &RequestInfo,
    client: Client,
    token: String,
) -> Result<(IssuedToken, Renewed), ApiError> {
    let (limit, window) = (state.limits.refresh_max_failures_per_addr, state.limits.login_window_secs);
    let addr = request.client_addr.filter(|_| limit > 0).map(|addr| throttle::client_key("refresh", addr));
    let lifetimes = state.sessions.clone();
    let hash = sessions::token_hash(&token);
    if let Some(addr) = addr.clone() {
        let counts = state.db.run(move |conn| throttle::count_attempt(conn, &[addr.as_str()], window)).await?;
        if let Some((retry_after, count)) = counts.iter().find_map(|count| Some((count.over(limit)?, count))) {
            if count.refusal_is_audited(limit) {
                state.db.audit(AuditEvent::new(REFRESH, Outcome::Throttled, request)).await?;
            }
            return Err(ApiError::TooManyRequests {
                detail: "Too many failed refreshes; try again later",
                retry_after,
            });
        }
    }
    let event = AuditEvent::new(REFRESH, Outcome::Failure, request);
    let rotation = state
        .db
        .audited(event, move |conn, event| {
            let rotation = sessions::rotate(conn, &hash, &client, &lifetimes)?;
            match &rotation {
                Rotation::Renewed(renewed) => {
                    event.set_outcome(Outcome::Success);
                    event.user_id = Some(renewed.user);
                    if let Some(addr) = &addr {
                        throttle::undo_attempt(conn, addr)?;
                    }
                }
                Rotation::Reused { user, .. } => {
                    event.action = REFRESH_REUSED;
                    event.user_id = Some(*user);
                }
                Rotation::Refused { user } => event.user_id = *user,
            }
            Ok::<_, diesel::result::Error>(rotation)
        })
        .await?;
    match rotation {
        Rotation::Renewed(renewed) => Ok((state.verifier.keys.issue(renewed.user, renewed.session)?, renewed)),
        Rotation::Reused { ended, .. } => {
            state.verifier.revocations.learn(ended.0);
            Err(ApiError::Unauthorized)
        }
        Rotation::Refused { .. } => Err(ApiError::Unauthorized),
    }
}
