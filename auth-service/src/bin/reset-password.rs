//! `reset-password`: sets a new password for one live account (the runbook's password reset; the
//! MVP has no reset UI). Reads `DATABASE_URL` from the environment and two lines from stdin, the
//! email and then the new password, so the password never appears in argv or the shell history:
//!
//! ```sh
//! read -rsp 'New password: ' pw; echo
//! printf '%s\n%s\n' ada@example.com "$pw" | cargo run -q -p auth-service --bin reset-password
//! ```
//!
//! The hash is made by the service's own `password.rs` (compiled in from the same file), so it is
//! exactly what registration stores: argon2id, m=19456 KiB, t=2, p=1, random salt, PHC string.
//! Every session of the account ends with the reset: its tokens are refused at once everywhere.
//! Exit status: 0 reset, 1 no live account with that email or database error, 2 bad input.

use std::io::BufRead;
use std::process::ExitCode;

use auth_service::sessions::{self, EndReason};
use auth_service::users;
use diesel::prelude::*;
use secrecy::ExposeSecret;
use shared::config::{DatabaseConfig, from_env};

#[allow(dead_code)] // only `hash` and `verify` are needed here
#[path = "../password.rs"]
mod password;

/// The same rules as `POST /api/auth/register`: length in characters, 8 to 128.
const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 128;

fn main() -> ExitCode {
    match run() {
        Ok(message) => {
            println!("reset-password: {message}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("reset-password: {message}");
            ExitCode::from(code)
        }
    }
}

fn run() -> Result<String, (u8, String)> {
    let config = from_env::<DatabaseConfig>().map_err(|e| (2, e.to_string()))?;
    let (email, new_password) = read_input(std::io::stdin().lock()).map_err(|e| (2, e))?;

    let hash = password::hash(&new_password).map_err(|e| (1, format!("hashing failed: {e}")))?;
    if !password::verify(&new_password, &hash) {
        return Err((1, "the new hash does not verify; nothing changed".to_owned()));
    }

    let url = shared::db::with_link_settings(config.database_url.expose_secret());
    let mut conn = PgConnection::establish(&url).map_err(|e| (1, format!("cannot connect: {e}")))?;
    let reset = conn
        .transaction(|conn| {
            let Some(user) = users::find_by_email(conn, &email)? else { return Ok(None) };
            users::set_password(conn, user.id, &hash)?;
            sessions::end_all(conn, user.id, None, EndReason::Reset).map(|ended| Some(ended.sessions()))
        })
        .map_err(|e: diesel::result::Error| (1, format!("update failed: {e}")))?;
    match reset {
        None => Err((1, format!("no live account with email {email}; nothing changed"))),
        Some(ended) => {
            Ok(format!("password reset for {email}; {ended} session(s) ended, their tokens refused at once"))
        }
    }
}

/// Two lines: the email (in the form the service stores it) and the password
/// (taken as typed, without its line ending).
fn read_input(input: impl BufRead) -> Result<(String, String), String> {
    let mut lines = input.lines();
    let mut next = |what: &str| -> Result<String, String> {
        match lines.next() {
            Some(Ok(line)) => Ok(line.strip_suffix('\r').unwrap_or(&line).to_owned()),
            Some(Err(e)) => Err(format!("cannot read the {what}: {e}")),
            None => {
                Err(format!("expected the email and the new password on two lines of stdin; the {what} is missing"))
            }
        }
    };
    let email = auth_service::email::lookup_form(&next("email")?);
    let password = next("password")?;
    if email.is_empty() || !email.contains('@') {
        return Err(format!("{email:?} is not an email address"));
    }
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(format!("the password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"));
    }
    Ok((email, password))
}

#[cfg(test)]
mod tests {
    use super::read_input;

    #[test]
    fn email_is_normalised_and_password_kept_as_typed() {
        let (email, password) = read_input(" Ada@Example.COM \r\n  spaced pass \n".as_bytes()).unwrap();
        assert_eq!(email, "ada@example.com");
        assert_eq!(password, "  spaced pass ");
    }

    #[test]
    fn short_or_missing_password_is_refused() {
        assert!(read_input("ada@example.com\nshort\n".as_bytes()).is_err());
        assert!(read_input("ada@example.com\n".as_bytes()).is_err());
        assert!(read_input("not-an-email\nlong enough password\n".as_bytes()).is_err());
    }
}
