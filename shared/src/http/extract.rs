//! Extractors that turn a request into typed input or a 4xx in the contract's body: the JSON body
//! (415 unless JSON, 413 past [`MAX_BODY_BYTES`], 422 naming the field) and the query string (422
//! naming the parameter). A JSON body must be an object: serde would otherwise read an array
//! into a struct field by field (`["t", "d", "completed"]` as a task).

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, FieldError};

/// Largest JSON body accepted: a maximal task is about 10 KB even in 4-byte characters.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body, parsed and validated: 415 unless JSON, 413 past [`MAX_BODY_BYTES`],
/// 422 naming the field for malformed JSON, wrong types, missing fields and failed rules.
/// Unknown fields (`id`, `user_id`, ...) are ignored, so they can never be mass-assigned.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json_utf8(req);
        let body = read_body(req, payload.take());
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let value: T = parse_json(&body.await?)?;
            value.validate()?;
            Ok(JsonBody(value))
        })
    }
}

/// How long a whole body may take to arrive, as long as a client may take over its headers: a
/// 64 KiB body needs 13 KiB/s to make it, so only a client that trickles it in is cut.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the body is declared JSON in UTF-8: `application/json` or `*/*+json`, with no
/// charset or `charset=utf-8` (JSON is UTF-8, RFC 8259 8.1; another charset would be misread).
fn is_json_utf8(req: &HttpRequest) -> bool {
    let mime = req.content_type().to_ascii_lowercase();
    let declared = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let charset_ok = declared.split(';').skip(1).filter_map(|param| param.split_once('=')).all(|(name, value)| {
        !name.trim().eq_ignore_ascii_case("charset") || value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
    });
    (mime == "application/json" || mime.ends_with("+json")) && charset_ok
}

/// The request body, at most [`MAX_BODY_BYTES`]: 413 as soon as `Content-Length` or the bytes
/// received say it is larger, 408 (and the connection closed) when it takes longer than
/// [`BODY_TIMEOUT`].
pub fn read_body(
    req: &HttpRequest,
    mut payload: Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + use<> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    // What follows a CONNECT is a tunnel, not a body: actix would stream it until the connection
    // ends. No route here takes CONNECT, so it has no body to read (the route answers 405).
    let tunnel = req.method() == actix_web::http::Method::CONNECT;
    let read = async move {
        if tunnel {
            return Ok(web::Bytes::new());
        }
        if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
            return Err(ApiError::PayloadTooLarge);
        }
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| ApiError::invalid("body", "could not read the request body"))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    async move { tokio::time::timeout(BODY_TIMEOUT, read).await.unwrap_or(Err(ApiError::RequestTimeout)) }
}

/// Parses `body` as `T`, turning serde's error into a 422 that names the offending field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() => {
            return Err(ApiError::invalid("body", "must be a JSON object"));
        }
        _ => {} // empty or malformed: serde names the problem below
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // serde_json reports a value of the wrong kind for an enum (`"priority": 2`) as a syntax
        // error; in a body that is valid JSON it is the field's error.
        if inner.is_syntax() && path != "." && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
            return ApiError::invalid(path, "is not one of the allowed values");
        }
        ApiError::Validation(vec![json_field_error(&path, &inner)])
    })?;
    de.end().map_err(|err| ApiError::Validation(vec![json_field_error(".", &err)]))?;
    Ok(value)
}

fn json_field_error(path: &str, err: &serde_json::Error) -> FieldError {
    let text = err.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    if err.is_syntax() || err.is_eof() {
        return FieldError::new("body", format!("malformed JSON: {message}"));
    }
    field_error(path, message, "body")
}

/// The field an error names: the path serde was at, or the field its message names (serde
/// names a missing or an unknown field only in the message), or `whole` for the input itself.
fn field_error(path: &str, message: &str, whole: &str) -> FieldError {
    let quoted = |prefix: &str| message.strip_prefix(prefix).and_then(|m| m.split('`').next()).map(str::to_owned);
    // serde_path_to_error's path already ends with an unknown key, but not with a missing one.
    let within = |name: String| match path {
        "." => name,
        _ if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        _ => format!("{path}.{name}"),
    };
    if let Some(name) = quoted("missing field `") {
        return FieldError::new(within(name), "field required");
    }
    if let Some(name) = quoted("unknown field `") {
        return FieldError::new(within(name), "unknown parameter");
    }
    FieldError::new(if path == "." { whole } else { path }, message)
}

/// A query string parsed and validated as `T`: 422 naming the parameter that is unknown (when
/// `T` denies unknown fields), missing, or has a bad value. A repeated key is a list, so a
/// `Vec` field takes `?status=a&status=b`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Validate> Query<T> {
    /// Parses `query` (without the `?`).
    pub fn parse(query: &str) -> Result<T, ApiError> {
        let de = serde_html_form::Deserializer::from_bytes(query.as_bytes());
        let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
            // A repeated parameter is one parameter: `status[1]` is `status`.
            let path = err.path().to_string();
            let name = path.split_once('[').map_or(path.as_str(), |(name, _)| name);
            let message = err.into_inner().to_string();
            // serde_html_form's word for a repeated key whose field takes one value.
            let message = if message == "unsupported value" { "must be given once".to_owned() } else { message };
            ApiError::Validation(vec![field_error(name, &message, "query")])
        })?;
        value.validate()?;
        Ok(value)
    }
}

impl<T: DeserializeOwned + Validate> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::parse(req.query_string()).map(Query))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, Validate)]
    struct Body {
        #[allow(dead_code)]
        title: String,
    }

    fn error_of(body: &str) -> FieldError {
        match parse_json::<Body>(body.as_bytes()) {
            Err(ApiError::Validation(mut errs)) => errs.remove(0),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn missing_field_is_named() {
        assert_eq!(error_of("{}"), FieldError::new("title", "field required"));
    }

    #[test]
    fn wrong_type_is_named() {
        assert_eq!(error_of(r#"{"title": 5}"#).field, "title");
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        for body in [r#"["a"]"#, " [] ", "\"a\"", "5", "null"] {
            assert_eq!(error_of(body), FieldError::new("body", "must be a JSON object"), "{body}");
        }
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Choice {
        #[allow(dead_code)]
        level: Level,
    }

    #[derive(Debug, Deserialize)]
    enum Level {
        Low,
    }

    #[test]
    fn a_wrong_kind_of_value_for_an_enum_names_the_field() {
        for body in [r#"{"level": 2}"#, r#"{"level": [1]}"#, r#"{"level": "High"}"#] {
            match parse_json::<Choice>(body.as_bytes()) {
                Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "level", "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(parse_json::<Choice>(br#"{"level": "Low"}"#), Ok(Choice { level: Level::Low })));
    }

    #[test]
    fn malformed_json_is_a_body_error() {
        assert_eq!(error_of(r#"{"title": "#).field, "body");
        assert_eq!(error_of(r#"{"title": "a"} trailing"#).field, "body");
    }

    #[derive(Debug, Deserialize, Validate, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Params {
        #[serde(default)]
        limit: Option<u32>,
        #[serde(default)]
        status: Vec<String>,
        #[validate(length(max = 3, message = "must be at most 3 characters"))]
        #[serde(default)]
        q: Option<String>,
    }

    fn query_error(query: &str) -> FieldError {
        match Query::<Params>::parse(query) {
            Err(ApiError::Validation(mut errs)) => errs.remove(0),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn query_parameters_are_parsed_with_repeated_keys_as_lists() {
        let params = Query::<Params>::parse("limit=5&status=a&status=b&q=x%20y").unwrap();
        assert_eq!(params, Params { limit: Some(5), status: vec!["a".into(), "b".into()], q: Some("x y".into()) });
        assert_eq!(Query::<Params>::parse("").unwrap(), Params { limit: None, status: vec![], q: None });
    }

    #[test]
    fn a_bad_query_parameter_is_named() {
        assert_eq!(query_error("limit=many").field, "limit");
        assert_eq!(query_error("limit=-1").field, "limit");
        assert_eq!(query_error("sort=title"), FieldError::new("sort", "unknown parameter"));
        assert_eq!(query_error("q=long").field, "q");
        assert_eq!(query_error("limit=1&limit=2"), FieldError::new("limit", "must be given once"));
    }
}
