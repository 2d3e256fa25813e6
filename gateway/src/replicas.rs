//! One service as one gateway worker reaches it: one or more replicas (`AUTH_SERVICE_URL` and
//! `TASK_SERVICE_URL` take comma-separated URLs), taken in turn. A replica that refuses a
//! connection, or does not accept one within the connect timeout, is out of rotation for
//! [`EJECTION`] and the request goes on to the next replica: nothing was sent, so any method may
//! go again. After that the next request that comes to it tries it again, so a replica that
//! recovered is back within [`EJECTION`] of its recovery.
//!
//! Each worker keeps its own view (no lock, no atomic on the request path): every worker learns of
//! a dead replica by one refused connection of its own, which costs its request a reconnect on
//! loopback or within a cluster, not an error.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use http_body_util::Full;

use crate::pool::{self, Pool, PooledBody};
use crate::proxy::Target;

/// How long a replica that could not be reached stays out of rotation.
pub const EJECTION: Duration = Duration::from_secs(1);

pub struct Service {
    replicas: Vec<Replica>,
    /// Where the next request starts looking (round robin).
    next: Cell<usize>,
}

struct Replica {
    target: Target,
    pool: Rc<Pool>,
    /// Out of rotation until then, after a failed connect.
    ejected_until: Cell<Option<Instant>>,
}

impl Replica {
    fn in_rotation(&self, now: Instant) -> bool {
        self.ejected_until.get().is_none_or(|until| now >= until)
    }
}

impl Service {
    /// `targets` is never empty (the configuration refuses an empty list).
    pub fn new(targets: &[Target]) -> Self {
        let replicas = targets
            .iter()
            .map(|target| Replica {
                pool: Pool::new(target.address().to_owned()),
                target: target.clone(),
                ejected_until: Cell::new(None),
            })
            .collect();
        Self { replicas, next: Cell::new(0) }
    }

    /// Sends the request `build` makes for a replica to the next replica in rotation, and on to the
    /// following ones while a replica cannot be reached. When every replica is out of rotation,
    /// each is tried all the same (in turn): the gateway never refuses without trying.
    pub async fn send<E>(
        &self,
        build: impl Fn(&Target) -> Result<hyper::Request<Full<Bytes>>, E>,
    ) -> Result<Result<hyper::Response<PooledBody>, pool::Error>, E> {
        let count = self.replicas.len();
        let start = self.next.get();
        self.next.set((start + 1) % count);
        let now = Instant::now();
        let order = (0..count).map(|i| &self.replicas[(start + i) % count]);
        let mut candidates: Vec<&Replica> = order.clone().filter(|r| r.in_rotation(now)).collect();
        if candidates.is_empty() {
            candidates = order.collect();
        }
        let mut last = None;
        for replica in candidates {
            match replica.pool.send(build(&replica.target)?).await {
                Err(pool::Error::Connect(error)) => {
                    if count > 1 {
                        log::warn!(
                            "{} unreachable, out of rotation for {EJECTION:?}: {error}",
                            replica.target.address()
                        );
                    }
                    replica.ejected_until.set(Some(Instant::now() + EJECTION));
                    last = Some(pool::Error::Connect(error));
                }
                answer => {
                    replica.ejected_until.set(None);
                    return Ok(answer);
                }
            }
        }
        Ok(Err(last.expect("a service has at least one replica")))
    }

    /// `ok` when a replica answers its own `/health` with a 2xx within 5 s; otherwise
    /// `unavailable` when one answers (its database is down), `unreachable` when none does.
    pub async fn health(&self) -> &'static str {
        let checks = self.replicas.iter().map(|replica| async move {
            let Ok(request) = replica.target.request("/health", Bytes::new()) else { return "unreachable" };
            match actix_web::rt::time::timeout(Duration::from_secs(5), replica.pool.send(request)).await {
                Ok(Ok(response)) if response.status().is_success() => "ok",
                Ok(Ok(_)) => "unavailable",
                _ => "unreachable",
            }
        });
        let answers = futures_util::future::join_all(checks).await;
        ["ok", "unavailable"].into_iter().find(|state| answers.contains(state)).unwrap_or("unreachable")
    }
}
