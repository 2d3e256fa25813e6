//! The registration policy: count the attempt against the client's address when registrations
//! are limited (429 past the limit), hash the password, insert the account and audit it in one
//! transaction (400 when the email is taken).

use shared::ApiError;
use shared::audit::{AuditEvent, Outcome};
use shared::http::RequestInfo;

use crate::error::AuthError;
use crate::password;
use crate::state::AppState;
use crate::throttle;
use crate::users::{self, NewUser, UserRow};

pub async fn register(
    state: &AppState,
    request: &RequestInfo,
    email: String,
    password: String,
) -> Result<UserRow, ApiError> {
    limit_per_address(state, request).await?;
    let hash = state.hasher.run(move || password::hash(&password)).await?.map_err(ApiError::internal)?;
    let event = AuditEvent::new("register", Outcome::Success, request);
    state
        .db
        .audited(event, move |conn, event| {
            let user = users::insert(conn, &NewUser { email: &email, password_hash: &hash })?;
            event.user_id = Some(user.id);
            Ok::<_, AuthError>(user)
        })
        .await
}

/// Counts a registration from the client's address; 429 once it has made the configured number
/// within the window (off by default).
async fn limit_per_address(state: &AppState, request: &RequestInfo) -> Result<(), ApiError> {
    let (limit, window) = (state.limits.register_max_per_addr, state.limits.login_window_secs);
    let Some(addr) = request.client_addr.filter(|_| limit > 0) else { return Ok(()) };
    let key = throttle::client_key("register", addr);
    let counts = state.db.run(move |conn| throttle::count_attempt(conn, &[key.as_str()], window)).await?;
    match counts.iter().find_map(|count| count.over(limit)) {
        Some(retry_after) => {
            Err(ApiError::TooManyRequests { detail: "Too many registrations; try again later", retry_after })
        }
        None => Ok(()),
    }
}
