//! One gateway worker's keep-alive connections to one service: HTTP/1.1 over hyper's connection
//! API, one request at a time on each, the most recently returned used first. A connection goes
//! back to the pool when its answer's body has been read to the end; one the service closed, or
//! that sat idle for [`IDLE_TIMEOUT`], is dropped.
//!
//! A worker only ever talks to a fixed set of replicas, so this replaces a general client's pool
//! (a mutex and a hashed scheme-and-authority key per request, and a URI rewrite) with a stack.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use actix_web::rt::net::TcpStream;
use actix_web::web::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

/// How long an idle connection is kept: below the services' 5 s keep-alive, so the gateway never
/// sends a request on a connection the service is about to close.
const IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// How long opening a connection may take before the replica counts as unreachable (and the
/// request goes to another one): far above a connect on loopback or within a cluster (well under
/// a millisecond), and short enough that a replica whose host vanished is out of rotation within
/// a second.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

type Sender = SendRequest<Full<Bytes>>;

/// Why a request got no answer.
#[derive(Debug)]
pub enum Error {
    /// No connection could be opened: the service is down or unreachable.
    Connect(io::Error),
    /// The connection failed, or the answer was not HTTP.
    Http(hyper::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect(e) => write!(f, "connect: {e}"),
            Self::Http(e) => write!(f, "{e}"),
        }
    }
}

pub struct Pool {
    /// `host:port` to connect to.
    address: String,
    /// Idle connections, oldest first, with the moment each came back.
    idle: RefCell<Vec<(Sender, Instant)>>,
}

impl Pool {
    pub fn new(address: String) -> Rc<Self> {
        Rc::new(Self { address, idle: RefCell::new(Vec::new()) })
    }

    /// Sends `request` (origin-form URI, `Host` set) on a kept or a new connection.
    pub async fn send(
        self: &Rc<Self>,
        mut request: hyper::Request<Full<Bytes>>,
    ) -> Result<hyper::Response<PooledBody>, Error> {
        loop {
            let (mut sender, kept) = match self.checkout() {
                Some(sender) => (sender, true),
                None => (self.connect().await?, false),
            };
            if let Err(error) = sender.ready().await {
                if kept {
                    continue; // closed while idle: try the next one
                }
                return Err(Error::Http(error));
            }
            match sender.try_send_request(request).await {
                Ok(response) => {
                    return Ok(response.map(|body| PooledBody { body, sender: Some(sender), pool: Rc::clone(self) }));
                }
                Err(mut error) => match error.take_message() {
                    // Not sent: a kept connection closed meanwhile; the request goes on another.
                    Some(unsent) if kept => request = unsent,
                    _ => return Err(Error::Http(error.into_error())),
                },
            }
        }
    }

    fn checkout(&self) -> Option<Sender> {
        let mut idle = self.idle.borrow_mut();
        let now = Instant::now();
        let stale = idle.partition_point(|(_, since)| now.duration_since(*since) >= IDLE_TIMEOUT);
        idle.drain(..stale);
        std::iter::from_fn(|| idle.pop()).map(|(sender, _)| sender).find(|sender| !sender.is_closed())
    }

    fn give_back(&self, sender: Sender) {
        if !sender.is_closed() {
            self.idle.borrow_mut().push((sender, Instant::now()));
        }
    }

    async fn connect(&self) -> Result<Sender, Error> {
        let stream = actix_web::rt::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(self.address.as_str()))
            .await
            .map_err(|_| Error::Connect(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")))?
            .map_err(Error::Connect)?;
        stream.set_nodelay(true).map_err(Error::Connect)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.map_err(Error::Http)?;
        actix_web::rt::spawn(async move {
            if let Err(error) = connection.await {
                log::debug!("upstream connection ended: {error}");
            }
        });
        Ok(sender)
    }
}

/// An answer's body. Read to the end (or empty), it gives its connection back to the pool;
/// dropped before that, the connection is closed with it.
pub struct PooledBody {
    body: Incoming,
    sender: Option<Sender>,
    pool: Rc<Pool>,
}

impl PooledBody {
    fn give_back(&mut self) {
        if let Some(sender) = self.sender.take() {
            self.pool.give_back(sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
        if frame.is_none() {
            self.give_back();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        if self.body.is_end_stream() {
            self.give_back();
        }
    }
}
