//! HS256 access tokens: issued by auth-service, verified by every service that needs a caller.
//! The algorithm is pinned by us, never read from the token; `exp`, `nbf`, `iss`, `aud` and `sub`
//! are all required and checked. Keys carry a `kid` so a rotated-out key can keep verifying while it
//! is listed in `JWT_PREVIOUS_SECRETS`. A token names its session (`sid`), which the verifier's
//! [`Revocations`] may know to have ended (ADR 0006).

use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::JwtConfig;
use crate::error::ApiError;
use crate::ids::{SessionId, UserId};
use crate::revocation::{Revocations, Verdict};

/// The claims of a taskhub access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id, as a string (RFC 7519 `sub` is a string).
    pub sub: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// A random id, so that two tokens are never the same string (a refresh within the second
    /// of its login signs otherwise identical claims).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The session the token belongs to; absent in tokens issued before sessions existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<i64>,
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub user: UserId,
    pub session: Option<SessionId>,
    /// `iat`, in Unix seconds.
    pub issued_at: i64,
}

/// A freshly issued token and its lifetime in seconds.
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
}

struct VerifyingKey {
    kid: String,
    key: DecodingKey,
}

/// Keys and rules, built once at start-up and shared by every request.
pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    verifying: Vec<VerifyingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
}

/// A key's public name: a short digest, so tokens never carry the secret or its position.
fn key_id(secret: &str) -> String {
    let digest = Sha256::digest([b"taskhub-kid:".as_slice(), secret.as_bytes()].concat());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl JwtKeys {
    pub fn new(config: &JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = config.jwt_leeway_seconds;
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        let secret = config.jwt_secret.expose_secret();
        let verifying = std::iter::once(secret)
            .chain(config.previous_secrets())
            .map(|secret| VerifyingKey { kid: key_id(secret), key: DecodingKey::from_secret(secret.as_bytes()) })
            .collect();
        Self {
            kid: key_id(secret),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            verifying,
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl_seconds: config.jwt_ttl_seconds,
        }
    }

    /// Signs a token for `user_id` in `session` with the current key.
    pub fn issue(&self, user_id: UserId, session: SessionId) -> Result<IssuedToken, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            nbf: now,
            exp: now + i64::try_from(self.ttl_seconds).map_err(ApiError::internal)?,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: Some(uuid::Uuid::new_v4().simple().to_string()),
            sid: Some(session.0),
        };
        let header = Header { kid: Some(self.kid.clone()), ..Header::new(Algorithm::HS256) };
        let token = encode(&header, &claims, &self.encoding).map_err(ApiError::internal)?;
        Ok(IssuedToken { token, expires_in: self.ttl_seconds })
    }

    /// What a valid token says; `None` for anything else, whatever the reason. A token names
    /// its key by `kid`; one without a `kid` is checked against the current key.
    pub fn verify(&self, token: &str) -> Option<Verified> {
        // With a single key (no rotation in progress) the header is parsed once, by `decode`.
        let key = match self.verifying.as_slice() {
            [only] => only,
            keys => match decode_header(token).ok()?.kid {
                Some(kid) => keys.iter().find(|k| k.kid == kid)?,
                None => keys.first()?,
            },
        };
        let data = decode::<Claims>(token, &key.key, &self.validation).ok()?;
        // `crit` names extensions the verifier must understand (RFC 7515 4.1.11); taskhub's
        // tokens use none, so any is one this verifier does not understand.
        if data.header.crit.is_some() || data.header.kid.is_some_and(|kid| kid != key.kid) {
            return None;
        }
        let user = data.claims.sub.parse::<i64>().ok().filter(|id| *id > 0).map(UserId)?;
        Some(Verified { user, session: data.claims.sid.map(SessionId), issued_at: data.claims.iat })
    }
}

/// What an authenticated route needs to judge tokens: the keys and the revocations. Each service
/// registers one as `web::Data<Verifier>` with the rest of its state.
pub struct Verifier {
    pub keys: JwtKeys,
    pub revocations: Arc<Revocations>,
}

/// The authenticated caller. Listing it as a handler argument makes the handler require a valid
/// `Authorization: Bearer` token of a session that has not ended; anything else is answered 401
/// `{"detail": "Unauthorized"}`, and 503 + `Retry-After` while the revocations cannot be vouched
/// for (never a silent acceptance).
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: UserId,
    /// The token's session; `None` for tokens issued before sessions existed.
    pub session: Option<SessionId>,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = futures_util::future::Either<
        futures_util::future::Ready<Result<Self, ApiError>>,
        futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>,
    >;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        use futures_util::future::{Either, ready};
        let Some(verifier) = req.app_data::<web::Data<Verifier>>() else {
            // A service that mounts an authenticated route without its verifier: a bug, never a 401.
            return Either::Left(ready(Err(ApiError::internal("BUG: AuthUser on a service without a Verifier"))));
        };
        let Some(token) = bearer_token(req).and_then(|token| verifier.keys.verify(token)) else {
            return Either::Left(ready(Err(ApiError::Unauthorized)));
        };
        match verifier.revocations.judge(token.user, token.session, token.issued_at) {
            Verdict::Unknown => {
                // Starting, or reconnecting: wait a moment for the state rather than refuse at once.
                let revocations = verifier.revocations.clone();
                Either::Right(Box::pin(async move {
                    let verdict = revocations.judge_or_wait(token.user, token.session, token.issued_at).await;
                    AuthUser::admit(token, verdict)
                }))
            }
            verdict => Either::Left(ready(AuthUser::admit(token, verdict))),
        }
    }
}

impl AuthUser {
    fn admit(token: Verified, verdict: Verdict) -> Result<Self, ApiError> {
        match verdict {
            Verdict::Valid => {
                crate::logging::set_user(token.user.0);
                Ok(Self { id: token.user, session: token.session })
            }
            Verdict::Revoked => Err(ApiError::Unauthorized),
            // The feed is a database connection: to the client, the database is unavailable.
            Verdict::Unknown => Err(ApiError::Unavailable("Database unavailable")),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&JwtConfig::new(&"a".repeat(32)))
    }

    #[test]
    fn issued_token_verifies_to_its_user() {
        let keys = keys();
        let token = keys.issue(UserId(42), SessionId(9)).unwrap().token;
        let verified = keys.verify(&token).unwrap();
        assert_eq!((verified.user, verified.session), (UserId(42), Some(SessionId(9))));
    }

    #[test]
    fn token_of_another_secret_is_refused() {
        let other = JwtKeys::new(&JwtConfig::new(&"b".repeat(32)));
        assert_eq!(keys().verify(&other.issue(UserId(1), SessionId(1)).unwrap().token), None);
    }

    #[test]
    fn previous_secret_still_verifies_until_dropped() {
        let old = JwtKeys::new(&JwtConfig::new(&"o".repeat(32)));
        let token = old.issue(UserId(7), SessionId(1)).unwrap().token;
        let mut rotated = JwtConfig::new(&"n".repeat(32));
        rotated.jwt_previous_secrets = "o".repeat(32).into();
        assert_eq!(JwtKeys::new(&rotated).verify(&token).map(|v| v.user), Some(UserId(7)));
        assert_eq!(JwtKeys::new(&JwtConfig::new(&"n".repeat(32))).verify(&token), None);
    }

    /// The claims of a valid token for user 1 from `keys`' issuer, signed by the test itself.
    fn valid_claims(keys: &JwtKeys) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "1".into(),
            iat: now,
            nbf: now,
            exp: now + 60,
            iss: keys.issuer.clone(),
            aud: keys.audience.clone(),
            jti: None,
            sid: None,
        }
    }

    /// Signed with a real key, but naming another key: refused, with or without a rotation on.
    #[test]
    fn a_kid_that_names_no_key_is_refused() {
        let mut rotating = JwtConfig::new(&"a".repeat(32));
        rotating.jwt_previous_secrets = "o".repeat(32).into();
        for keys in [keys(), JwtKeys::new(&rotating)] {
            let claims = valid_claims(&keys);
            let sign = |kid: Option<&str>| {
                let header = Header { kid: kid.map(str::to_owned), ..Header::new(Algorithm::HS256) };
                encode(&header, &claims, &keys.encoding).unwrap()
            };
            let user = |token: &str| keys.verify(token).map(|v| v.user);
            assert_eq!(user(&sign(Some(&keys.kid))), Some(UserId(1)));
            assert_eq!(user(&sign(None)), Some(UserId(1)), "no kid: the current key");
            assert_eq!(keys.verify(&sign(Some("0123456789abcdef"))), None);
        }
    }

    /// RFC 7515 4.1.11: a token whose `crit` names an extension the verifier does not
    /// understand is refused, though well signed.
    #[test]
    fn a_token_with_critical_extensions_is_refused() {
        let keys = keys();
        let claims = valid_claims(&keys);
        let header = Header { crit: Some(vec!["exp-ext".into()]), ..Header::new(Algorithm::HS256) };
        assert_eq!(keys.verify(&encode(&header, &claims, &keys.encoding).unwrap()), None);
    }

    #[test]
    fn key_ids_are_short_stable_and_distinct() {
        assert_eq!(key_id(&"s".repeat(32)), key_id(&"s".repeat(32)));
        assert_ne!(key_id(&"s".repeat(32)), key_id(&"t".repeat(32)));
        assert_eq!(key_id(&"s".repeat(32)).len(), 16);
    }
}
