//! One service as one gateway worker reaches it: the replicas its [`Roster`] names (the
//! comma-separated URLs of `AUTH_SERVICE_URL` and `TASK_SERVICE_URL`, a name standing for every
//! address it resolves to), taken in turn, each with this worker's connections to it. A replica
//! that refuses a connection, or does not accept one within the connect timeout, is out of
//! rotation for [`EJECTION`] and the request goes on to the next replica: nothing was sent, so
//! any method may go again. After that the next request that comes to it tries it again, so a
//! replica that recovered is back within [`EJECTION`] of its recovery. One that accepts
//! connections but does not answer is found by the roster's probes instead.
//!
//! Each worker keeps its own view of refusals (no lock, no atomic on the request path): every
//! worker learns of a dead replica by one refused connection of its own, which costs its request
//! a reconnect on loopback or within a cluster, not an error.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use http_body_util::Full;

use crate::pool::{self, Pool, PooledBody};
use crate::roster::{Member, Roster};
use crate::target::Target;

/// How long a replica that could not be reached stays out of rotation.
pub const EJECTION: Duration = Duration::from_secs(1);

pub struct Service {
    roster: Arc<Roster>,
    /// The roster as this worker last saw it, with its version.
    view: RefCell<(u64, Rc<[Replica]>)>,
    /// Where the next request starts looking (round robin).
    next: Cell<usize>,
}

struct Replica {
    member: Arc<Member>,
    pool: Rc<Pool>,
    /// Out of rotation until then, after a failed connect.
    ejected_until: Cell<Option<Instant>>,
}

impl Replica {
    fn in_rotation(&self, now: Instant) -> bool {
        self.member.answering() && self.ejected_until.get().is_none_or(|until| now >= until)
    }

    fn target(&self) -> &Target {
        &self.member.target
    }
}

impl Service {
    pub fn new(roster: &Arc<Roster>) -> Self {
        let service =
            Self { roster: Arc::clone(roster), view: RefCell::new((u64::MAX, Rc::from([]))), next: Cell::new(0) };
        service.replicas();
        service
    }

    /// The roster's replicas, with this worker's connections: the ones it had for a replica that
    /// stays, new ones for a replica that came.
    fn replicas(&self) -> Rc<[Replica]> {
        let mut view = self.view.borrow_mut();
        if view.0 != self.roster.version() {
            let (version, members) = self.roster.members();
            let replicas = members
                .iter()
                .map(|member| {
                    let kept = view.1.iter().find(|r| r.target().address() == member.target.address());
                    Replica {
                        member: Arc::clone(member),
                        pool: kept
                            .map_or_else(|| Pool::new(member.target.address().to_owned()), |r| Rc::clone(&r.pool)),
                        ejected_until: Cell::new(kept.and_then(|r| r.ejected_until.get())),
                    }
                })
                .collect();
            *view = (version, replicas);
        }
        Rc::clone(&view.1)
    }

    /// Sends the request `build` makes for a replica to the next replica in rotation, and on to the
    /// following ones while a replica cannot be reached. When every replica is out of rotation,
    /// each is tried all the same (in turn): the gateway never refuses without trying.
    pub async fn send<E>(
        &self,
        build: impl Fn(&Target) -> Result<hyper::Request<Full<Bytes>>, E>,
    ) -> Result<Result<hyper::Response<PooledBody>, pool::Error>, E> {
        let replicas = self.replicas();
        let count = replicas.len();
        let start = self.next.get() % count;
        self.next.set((start + 1) % count);
        let now = Instant::now();
        let order = (0..count).map(|i| &replicas[(start + i) % count]);
        let any_in_rotation = order.clone().any(|r| r.in_rotation(now));
        let mut last = None;
        for replica in order.filter(|r| !any_in_rotation || r.in_rotation(now)) {
            match replica.pool.send(build(replica.target())?).await {
                Err(pool::Error::Connect(error)) => {
                    if count > 1 {
                        log::warn!(
                            "{} unreachable, out of rotation for {EJECTION:?}: {error}",
                            replica.target().address()
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
        let replicas = self.replicas();
        let checks = replicas.iter().map(|replica| async move {
            let Ok(request) = replica.target().request("/health", Bytes::new()) else { return "unreachable" };
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
