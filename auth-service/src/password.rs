//! argon2id hashing at the OWASP parameters (m=19456 KiB, t=2, p=1: the crate's defaults), stored
//! as PHC strings. These are CPU-bound for tens of milliseconds: call them on the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Hashes `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches `stored`. A stored hash that cannot be parsed never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash with the same parameters as real ones: verifying against it when the email is unknown
/// makes "no such user" cost what "wrong password" costs.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("taskhub-dummy-password-for-timing").expect("argon2 with default parameters"));

/// Verifies against the user's hash, or against the dummy hash when there is no user.
pub fn verify_or_dummy(password: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(stored) => verify(password, stored),
        None => {
            verify(password, &DUMMY_HASH);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_at_owasp_parameters() {
        let hashed = hash("correct horse").unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hashed}");
    }

    #[test]
    fn verify_accepts_only_the_password() {
        let hashed = hash("correct horse").unwrap();
        assert!(verify("correct horse", &hashed));
        assert!(!verify("correct horsf", &hashed));
        assert!(!verify("correct horse", "not a phc string"));
    }

    #[test]
    fn unknown_user_never_verifies() {
        assert!(!verify_or_dummy("taskhub-dummy-password-for-timing", None));
    }
}
