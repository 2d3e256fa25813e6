//! Who the replicas of one service are, and which of them answer: one [`Roster`] per service,
//! shared by every worker of the gateway and kept up to date by one watcher task ([`watch`]).
//!
//! - A URL whose host is a name (compose's `--scale`, a Kubernetes headless Service) stands for
//!   every address the name resolves to: it is resolved again every [`RESOLVE_EVERY`], and each
//!   address is a replica of its own. Resolving per connection instead (what a TCP connect does)
//!   kept nearly every request on one replica: keep-alive connections stay where they were
//!   opened, so compose-test saw 141 of 154 task requests land on one of two replicas. Until the
//!   name first resolves, and whenever it fails to, the replicas it had stay (at first: the name
//!   itself, resolved by each connect).
//! - While a service has more than one replica, each is asked `GET /health/live` (answered
//!   without the database) every [`PROBE_EVERY`]; one that gives no HTTP answer within
//!   [`PROBE_TIMEOUT`] is out of rotation until it answers again. That catches a replica that
//!   accepts connections but has stopped answering (hung, paused, overloaded to a stall), which a
//!   refused connection ([`crate::replicas`]) never shows: it is out within 750 ms. With one
//!   replica there is nothing to fail over to, and nothing is probed.
//!
//! Workers read a roster without a lock on the request path: one atomic load to see that it has
//! not changed, and one per replica for whether it answers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use http_body_util::BodyExt;

use crate::pool::Pool;
use crate::target::Target;

/// How often each replica is probed.
pub const PROBE_EVERY: Duration = Duration::from_millis(250);
/// How long a probe waits for an answer before the replica is out of rotation.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
/// How often a name is resolved again.
pub const RESOLVE_EVERY: Duration = Duration::from_secs(1);

/// One replica: where it is, and whether it answered its last probe.
pub struct Member {
    pub target: Target,
    answering: AtomicBool,
}

impl Member {
    fn new(target: Target) -> Arc<Self> {
        Arc::new(Self { target, answering: AtomicBool::new(true) })
    }

    /// `false` from a probe that got no answer until one that does.
    pub fn answering(&self) -> bool {
        self.answering.load(Ordering::Relaxed)
    }
}

/// The replicas of one service as the watcher last found them.
pub struct Roster {
    /// Bumped on every change of `members`, so that a worker sees one with a single load.
    version: AtomicU64,
    members: Mutex<Arc<[Arc<Member>]>>,
}

impl Roster {
    /// The service at `targets` (never empty), each as configured until the watcher resolves it.
    pub fn new(targets: &[Target]) -> Arc<Self> {
        let members = targets.iter().cloned().map(Member::new).collect();
        Arc::new(Self { version: AtomicU64::new(0), members: Mutex::new(members) })
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The current replicas, with the version they belong to.
    pub fn members(&self) -> (u64, Arc<[Arc<Member>]>) {
        let members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        (self.version(), Arc::clone(&members))
    }

    fn replace(&self, new: Vec<Arc<Member>>) {
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        *members = new.into();
        self.version.fetch_add(1, Ordering::Release);
    }
}

/// Starts the watcher of `roster` on the current thread's event loop (the gateway's main thread,
/// idle otherwise). It ends once the roster is dropped, i.e. when the gateway's workers stop.
pub fn watch(roster: &Arc<Roster>) {
    actix_web::rt::spawn(run(Arc::downgrade(roster), |name, port| async move {
        tokio::net::lookup_host((name.as_str(), port)).await.map(Iterator::collect)
    }));
}

/// The watcher, with the name lookup it uses (the system's resolver, or a test's).
async fn run<L, F>(roster: Weak<Roster>, lookup: L)
where
    L: Fn(String, u16) -> F,
    F: Future<Output = std::io::Result<Vec<SocketAddr>>>,
{
    // Per configured URL, its replicas (a name's resolved addresses), kept across failed lookups.
    let Some((_, initial)) = roster.upgrade().map(|roster| roster.members()) else { return };
    let configured: Vec<Target> = initial.iter().map(|member| member.target.clone()).collect();
    let mut found: Vec<Vec<Arc<Member>>> = initial.iter().map(|member| vec![Arc::clone(member)]).collect();
    drop(initial);
    let named = configured.iter().any(|target| target.name().is_some());
    if !named && configured.len() == 1 {
        return; // one fixed replica: nothing to resolve, nothing to fail over to
    }
    let mut next_lookup = Instant::now();
    let mut probes: HashMap<String, Rc<Pool>> = HashMap::new();
    loop {
        if named && Instant::now() >= next_lookup {
            next_lookup = Instant::now() + RESOLVE_EVERY;
            if resolve(&configured, &mut found, &lookup).await {
                let Some(roster) = roster.upgrade() else { return };
                roster.replace(found.iter().flatten().cloned().collect());
            }
        }
        let Some(members) = roster.upgrade().map(|roster| roster.members().1) else { return };
        if members.len() > 1 {
            probes.retain(|address, _| members.iter().any(|m| m.target.address() == address));
            let checks = members.iter().map(|member| {
                let address = member.target.address();
                let pool = probes.entry(address.to_owned()).or_insert_with(|| Pool::new(address.to_owned())).clone();
                async move { (member, probe(&member.target, &pool).await) }
            });
            for (member, answers) in futures_util::future::join_all(checks).await {
                if member.answering.swap(answers, Ordering::Relaxed) != answers {
                    if answers {
                        log::info!("{} answers again: back in rotation", member.target.address());
                    } else {
                        log::warn!(
                            "{} gave no answer within {PROBE_TIMEOUT:?}: out of rotation",
                            member.target.address()
                        );
                    }
                }
            }
        }
        drop(members);
        actix_web::rt::time::sleep(PROBE_EVERY).await;
    }
}

/// Looks every name up again; `true` when a replica came or went. A failed or empty lookup keeps
/// what the name had.
async fn resolve<L, F>(configured: &[Target], found: &mut [Vec<Arc<Member>>], lookup: &L) -> bool
where
    L: Fn(String, u16) -> F,
    F: Future<Output = std::io::Result<Vec<SocketAddr>>>,
{
    let mut changed = false;
    for (target, members) in configured.iter().zip(found.iter_mut()) {
        let Some((name, port)) = target.name() else { continue };
        let mut addresses = match lookup(name.to_owned(), port).await {
            Ok(addresses) => addresses,
            Err(error) => {
                log::warn!("looking up {name}: {error}; keeping its {} replica(s)", members.len());
                continue;
            }
        };
        addresses.sort();
        addresses.dedup();
        if addresses.is_empty() {
            continue;
        }
        let new: Vec<Arc<Member>> = addresses
            .iter()
            .map(|address| {
                let address = address.to_string();
                members
                    .iter()
                    .find(|m| m.target.address() == address)
                    .cloned()
                    .unwrap_or_else(|| Member::new(target.at(&address)))
            })
            .collect();
        if new.len() != members.len() || new.iter().zip(members.iter()).any(|(a, b)| !Arc::ptr_eq(a, b)) {
            log::info!(
                "{name}: {} replica(s): {}",
                new.len(),
                addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            );
            *members = new;
            changed = true;
        }
    }
    changed
}

/// Whether `target` gives an HTTP answer (any status) to `GET /health/live` within [`PROBE_TIMEOUT`].
async fn probe(target: &Target, pool: &Rc<Pool>) -> bool {
    let Ok(request) = target.request("/health/live", Bytes::new()) else { return false };
    let answer = async {
        let response = pool.send(request).await.ok()?;
        // read to the end, so that the connection is kept for the next probe
        response.into_body().collect().await.ok()
    };
    matches!(actix_web::rt::time::timeout(PROBE_TIMEOUT, answer).await, Ok(Some(_)))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use shared::testing::{FakeUpstream, fake_upstream_on};

    use super::*;
    use crate::replicas::Service;

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";

    fn requests_to(upstream: &FakeUpstream) -> usize {
        upstream.requests.lock().unwrap().iter().filter(|head| head.starts_with("GET /api/tasks ")).count()
    }

    async fn until(what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(3), "not within 3 s: {what}");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn send(service: &Service) {
        let answer = service.send(|target| target.request("/api/tasks", Bytes::new())).await.unwrap().unwrap();
        assert_eq!(answer.status(), 200);
        answer.into_body().collect().await.unwrap();
    }

    /// A name is every address it resolves to (two replicas on one port, as compose's `--scale`
    /// gives them), taken in turn; a failed lookup keeps them; an address that goes is dropped.
    #[actix_web::test]
    async fn a_name_stands_for_every_address_it_resolves_to() {
        let one = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = one.local_addr().unwrap().port();
        let two = std::net::TcpListener::bind(("127.0.0.2", port)).unwrap();
        let addresses: Vec<SocketAddr> = vec![one.local_addr().unwrap(), two.local_addr().unwrap()];
        let (one, two) = (fake_upstream_on(one, Some(OK)), fake_upstream_on(two, Some(OK)));

        let answer = Rc::new(RefCell::new(Ok(addresses.clone())));
        let lookups = Rc::new(std::cell::Cell::new(0));
        let roster = Roster::new(&[Target::parse(&format!("http://tasks.internal:{port}")).unwrap()]);
        let lookup = {
            let (answer, lookups) = (answer.clone(), lookups.clone());
            move |name: String, at: u16| {
                assert_eq!((name.as_str(), at), ("tasks.internal", port));
                lookups.set(lookups.get() + 1);
                let answer = match &*answer.borrow() {
                    Ok(addresses) => Ok(addresses.clone()),
                    Err(()) => Err(std::io::Error::other("no such host")),
                };
                async move { answer }
            }
        };
        actix_web::rt::spawn(run(Arc::downgrade(&roster), lookup));
        until("both addresses in the roster", || roster.members().1.len() == 2).await;

        let service = Service::new(&roster);
        for _ in 0..10 {
            send(&service).await;
        }
        assert_eq!((requests_to(&one), requests_to(&two)), (5, 5));
        let head = one.requests.lock().unwrap().iter().find(|h| h.starts_with("GET /api/tasks ")).cloned().unwrap();
        assert!(head.to_ascii_lowercase().contains(&format!("host: tasks.internal:{port}\r\n")), "{head}");

        *answer.borrow_mut() = Err(());
        let seen = lookups.get();
        until("two more lookups", || lookups.get() >= seen + 2).await;
        assert_eq!(roster.members().1.len(), 2, "a failed lookup keeps the replicas");

        *answer.borrow_mut() = Ok(vec![addresses[1]]);
        until("the address that went is dropped", || roster.members().1.len() == 1).await;
        let before = requests_to(&one);
        for _ in 0..4 {
            send(&service).await;
        }
        assert_eq!((requests_to(&one), requests_to(&two)), (before, 9));
    }

    #[test]
    fn a_name_is_told_from_an_address() {
        let name = |url: &str| Target::parse(url).unwrap().name().map(|(host, port)| (host.to_owned(), port));
        assert_eq!(name("http://task-service:8082"), Some(("task-service".to_owned(), 8082)));
        assert_eq!(name("http://tasks.internal"), Some(("tasks.internal".to_owned(), 80)));
        assert_eq!(name("http://10.0.0.7:8082"), None);
        assert_eq!(name("http://[::1]:8082"), None);
    }
}
