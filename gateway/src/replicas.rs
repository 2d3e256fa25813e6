//! One service as one gateway worker reaches it ([`Target`]s parsed once at start): one or more replicas (`AUTH_SERVICE_URL` and
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

use hyper::http::uri::{InvalidUri, PathAndQuery, Scheme};

use crate::pool::{self, Pool, PooledBody};

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
        let any_in_rotation = order.clone().any(|r| r.in_rotation(now));
        let mut last = None;
        for replica in order.filter(|r| !any_in_rotation || r.in_rotation(now)) {
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

/// One service's base URL, parsed once at start: the address to connect to, the `Host` its
/// requests carry, and the path its routes are under (empty unless the URL names one).
#[derive(Clone)]
pub struct Target {
    address: String,
    host: hyper::header::HeaderValue,
    prefix: String,
}

impl Target {
    /// Refuses an upstream URL the gateway cannot use (not `http://host[:port][/path]`), so that a
    /// typo stops the gateway at start instead of failing every request.
    pub fn parse(url: &str) -> Result<Self, String> {
        let invalid = || format!("invalid upstream URL {url:?}: expected http://host[:port][/path]");
        let uri: hyper::Uri = url.parse().map_err(|e| format!("invalid upstream URL {url:?}: {e}"))?;
        let authority = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority))
                if scheme == &Scheme::HTTP && uri.query().is_none() && !authority.as_str().contains('@') =>
            {
                authority
            }
            _ => return Err(invalid()),
        };
        let host = hyper::header::HeaderValue::from_str(authority.as_str()).map_err(|_| invalid())?;
        Ok(Self {
            address: format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80)),
            host,
            prefix: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// The replicas of one service: a comma-separated list of URLs, at least one.
    pub fn parse_list(urls: &str) -> Result<Vec<Self>, String> {
        let targets = urls.split(',').map(str::trim).filter(|url| !url.is_empty()).map(Self::parse);
        let targets = targets.collect::<Result<Vec<_>, _>>()?;
        if targets.is_empty() {
            return Err(format!("no upstream URL in {urls:?}"));
        }
        Ok(targets)
    }

    /// `host:port` to connect to.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A GET of `path_and_query` (which starts with `/`) on this service, with `body`: its
    /// origin-form URI and `Host`; the caller adds the rest.
    pub fn request(&self, path_and_query: &str, body: Bytes) -> Result<hyper::Request<Full<Bytes>>, InvalidUri> {
        let path_and_query = if self.prefix.is_empty() {
            PathAndQuery::try_from(path_and_query)?
        } else {
            PathAndQuery::try_from(format!("{}{path_and_query}", self.prefix))?
        };
        let mut request = hyper::Request::new(Full::new(body));
        *request.uri_mut() = hyper::Uri::from(path_and_query);
        request.headers_mut().insert(hyper::header::HOST, self.host.clone());
        Ok(request)
    }
}
