//! Conditional requests (RFC 9110 section 13): a task's `ETag` is its version; `If-Match` makes a
//! change apply only to the version the client read (otherwise 412), `If-None-Match` makes a read
//! of an unchanged task a 304. Without these headers nothing changes from the plain contract.

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::{FromRequest, HttpRequest};
use shared::ApiError;

use crate::body::etag;
use crate::error::TaskError;

/// The entity tags one or more header fields list, or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tags {
    Any,
    /// Each tag with whether it is weak (`W/`), and its quoted text.
    List(Vec<(bool, String)>),
}

impl Tags {
    /// The tags of every `name` field; `None` when the request has none.
    fn read(headers: &HeaderMap, name: &HeaderName) -> Option<Self> {
        let mut fields = headers.get_all(name).peekable();
        fields.peek()?;
        let mut tags = Vec::new();
        for field in fields {
            // A field that is not text names no version this service made: it matches nothing.
            let Ok(text) = field.to_str() else { continue };
            for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
                if item == "*" {
                    return Some(Self::Any);
                }
                let (weak, tag) = match item.strip_prefix("W/") {
                    Some(tag) => (true, tag),
                    None => (false, item),
                };
                tags.push((weak, tag.to_owned()));
            }
        }
        Some(Self::List(tags))
    }

    /// Strong comparison (`If-Match`): a weak tag never matches.
    fn match_strong(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::List(tags) => tags.iter().any(|(weak, tag)| !weak && tag == current),
        }
    }

    /// Weak comparison (`If-None-Match`).
    fn match_weak(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::List(tags) => tags.iter().any(|(_, tag)| tag == current),
        }
    }
}

/// A change's `If-Match`: absent, the change applies to whatever version the task is at.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<Tags>);

impl IfMatch {
    /// Passes when the task at `version` is what the client expects; otherwise the 412 that
    /// names the current version.
    pub fn check(&self, version: i64) -> Result<(), TaskError> {
        match &self.0 {
            Some(tags) if !tags.match_strong(&etag(version)) => Err(TaskError::VersionMismatch { current: version }),
            _ => Ok(()),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self(Tags::read(req.headers(), &header::IF_MATCH))))
    }
}

/// A read's `If-None-Match`.
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(Option<Tags>);

impl IfNoneMatch {
    /// Whether the client already holds the task at `version` (the answer is then a 304).
    pub fn holds(&self, version: i64) -> bool {
        self.0.as_ref().is_some_and(|tags| tags.match_weak(&etag(version)))
    }
}

impl FromRequest for IfNoneMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self(Tags::read(req.headers(), &header::IF_NONE_MATCH))))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn tags(values: &[&str]) -> Option<Tags> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        }
        Tags::read(&headers, &header::IF_MATCH)
    }

    #[test]
    fn if_match_compares_strongly() {
        let check = |values: &[&str], version| IfMatch(tags(values)).check(version).is_ok();
        assert!(check(&[], 3), "no header: no condition");
        assert!(check(&["\"3\""], 3));
        assert!(check(&["*"], 3));
        assert!(check(&["\"1\", \"3\""], 3));
        assert!(check(&["\"1\"", "\"3\""], 3), "several fields");
        assert!(!check(&["\"2\""], 3));
        assert!(!check(&["W/\"3\""], 3), "a weak tag never matches If-Match");
        assert!(!check(&["3"], 3), "an unquoted tag is not the tag");
        assert!(!check(&[""], 3), "an empty field lists no tag");
        assert!(matches!(IfMatch(tags(&["\"2\""])).check(3), Err(TaskError::VersionMismatch { current: 3 })));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let holds = |values: &[&str], version| IfNoneMatch(tags(values)).holds(version);
        assert!(!holds(&[], 3));
        assert!(holds(&["\"3\""], 3));
        assert!(holds(&["W/\"3\""], 3));
        assert!(holds(&["*"], 3));
        assert!(!holds(&["\"4\""], 3));
    }
}
