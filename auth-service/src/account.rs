//! The account policies: changing the password and deleting the account. Both check the password
//! through the login's door (`login::authenticate`: the same throttle, the same 401, a failure
//! audited), then make the change, end the sessions it must end and audit it, in one transaction.

use shared::audit::{AuditEvent, Outcome};
use shared::auth::AuthUser;
use shared::http::RequestInfo;
use shared::{ApiError, UserId};

use crate::login::{self, Passed};
use crate::password;
use crate::sessions::{self, EndReason};
use crate::state::AppState;
use crate::users::{self, UserRow};

pub const PASSWORD_CHANGE: &str = "password_change";
pub const ACCOUNT_DELETE: &str = "account_delete";

/// The caller's live account; 401 when it is gone (its token is then refused anyway, once the
/// deletion's revocation has arrived).
pub async fn me(state: &AppState, user: UserId) -> Result<UserRow, ApiError> {
    state.db.run(move |conn| users::find_live(conn, user)).await?.ok_or(ApiError::Unauthorized)
}

/// `password` checked for the caller's account, as a login would check it.
async fn check_password(
    state: &AppState,
    request: &RequestInfo,
    caller: &AuthUser,
    action: &'static str,
    password: String,
) -> Result<Passed, ApiError> {
    let account = me(state, caller.id).await?;
    let email = crate::email::lookup_form(&account.email);
    let passed = login::authenticate(state, request, action, email, password, None).await?;
    if passed.user.id != caller.id {
        return Err(ApiError::Unauthorized); // the email changed hands meanwhile
    }
    Ok(passed)
}

/// Sets a new password and ends every other session of the caller (and every token of theirs
/// from before sessions); the caller's own session stays.
pub async fn change_password(
    state: &AppState,
    request: &RequestInfo,
    caller: AuthUser,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    let passed = check_password(state, request, &caller, PASSWORD_CHANGE, current).await?;
    let hash = state.hasher.run(move || password::hash(&new)).await?.map_err(ApiError::internal)?;
    let event = AuditEvent::new(PASSWORD_CHANGE, Outcome::Success, request).user(caller.id);
    let ended = state
        .db
        .audited(event, move |conn, _| {
            passed.settle(conn)?;
            users::set_password(conn, caller.id, &hash)?;
            sessions::end_all(conn, caller.id, caller.session, EndReason::PasswordChanged)
        })
        .await?;
    state.verifier.revocations.learn(ended.0);
    Ok(())
}

/// Soft-deletes the caller's account (the purge removes it and its tasks after the retention),
/// ends every session at once, and frees its email for a new account.
pub async fn delete(
    state: &AppState,
    request: &RequestInfo,
    caller: AuthUser,
    password: String,
) -> Result<(), ApiError> {
    let passed = check_password(state, request, &caller, ACCOUNT_DELETE, password).await?;
    let event = AuditEvent::new(ACCOUNT_DELETE, Outcome::Success, request).user(caller.id);
    let ended = state
        .db
        .audited(event, move |conn, _| {
            passed.settle(conn)?;
            users::soft_delete(conn, caller.id)?;
            sessions::end_all(conn, caller.id, None, EndReason::AccountDeleted)
        })
        .await?;
    state.verifier.revocations.learn(ended.0);
    Ok(())
}
