//! An upstream URL, parsed once; a name in it may stand for several replicas (see `roster`).

use actix_web::web::Bytes;
use http_body_util::Full;
use hyper::http::uri::{InvalidUri, PathAndQuery, Scheme};

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

    /// The host name and port, when the host is a name rather than an IP address.
    pub fn name(&self) -> Option<(&str, u16)> {
        let (host, port) = self.address.rsplit_once(':')?;
        let port = port.parse().ok()?;
        (host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_err())
            .then_some((host, port))
    }

    /// This service at one of the addresses its name resolves to (`Host` and path stay).
    pub fn at(&self, address: &str) -> Self {
        Self { address: address.to_owned(), ..self.clone() }
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
