//! argon2id hashing at the OWASP parameters (m=19456 KiB, t=2, p=1: the crate's defaults), stored
//! as PHC strings. These are CPU-bound for tens of milliseconds: run them through [`Hasher`].

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use shared::ApiError;
use shared::workers::Workers;
use tokio::sync::Semaphore;

/// Nice value of the hashing threads: under contention the scheduler gives the request-serving
/// threads (nice 0) about ten times their share, so a login storm takes the CPU that requests leave
/// instead of theirs, and logins still advance when the service is saturated.
pub const HASH_NICE: i32 = 10;

/// Runs hashing work on its own `concurrency` threads, at [`HASH_NICE`]: each argon2 hash holds
/// 19 MiB and a core for tens of milliseconds, so an unbounded login flood would exhaust memory
/// and starve other requests. Past the bound, callers queue up to `queue_timeout`, then get 503.
pub struct Hasher {
    permits: Arc<Semaphore>,
    threads: Workers,
    queue_timeout: Duration,
}

impl Hasher {
    pub fn new(concurrency: usize, queue_timeout: Duration) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            threads: Workers::new("hash", concurrency, lower_priority),
            queue_timeout,
        }
    }

    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let _span = shared::telemetry::child("hash");
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Unavailable("Too many sign-ins in progress"))?
            .map_err(ApiError::internal)?;
        // A permit means a free thread: the work starts at once.
        self.threads
            .run(move || {
                let result = work();
                drop(permit);
                result
            })
            .await
    }
}

fn lower_priority() {
    // On Linux the nice value is per thread, and `None` is the calling thread.
    if let Err(error) = rustix::process::setpriority_process(None, HASH_NICE) {
        log::warn!("hashing threads keep the default priority: setpriority failed: {error}");
    }
}

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
    fn hashing_threads_run_at_a_lower_priority() {
        let hasher = Hasher::new(1, Duration::from_secs(1));
        let nice = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(hasher.run(|| rustix::process::getpriority_process(None)));
        assert_eq!(nice.unwrap().unwrap(), HASH_NICE);
    }

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
