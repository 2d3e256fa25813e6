//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a successful
//! sign-in gives the client a token for that account, in an `HttpOnly` cookie scoped to the login
//! path. Attempts that present a valid one are "trusted": they are limited on their own (per
//! device) and not by the account's lockout or the address's budget, so failures run up by
//! someone else cannot lock the owner out of a device they already signed in on.
//!
//! Tokens are stateless: `base64url(nonce || issued_at) . base64url(HMAC-SHA256(email, nonce,
//! issued_at)[..16])`, with a key derived from the token secret (every replica reads every other's
//! tokens; rotating the secret turns every device back into an untrusted one). The email is not in
//! the cookie: the MAC binds it, so a token is valid only for the account it was issued for.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Cookie names start with this; the rest tells accounts apart without naming them.
pub const COOKIE_PREFIX: &str = "taskhub_device_";
/// How long a device stays trusted after its last successful sign-in.
pub const MAX_AGE_SECS: i64 = 90 * 24 * 3600;

const NONCE_BYTES: usize = 16;
const MAC_BYTES: usize = 16;

pub struct DeviceKeys(Hmac<Sha256>);

/// A device that presented a valid token: its throttle key is `device:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
}

impl DeviceKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut derive = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
        derive.update(b"taskhub device cookie v1");
        Self(Hmac::new_from_slice(&derive.finalize().into_bytes()).expect("HMAC takes a key of any length"))
    }

    fn mac(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// The cookie name for `email`'s device token (one per account on a shared browser).
    pub fn cookie_name(&self, email: &str) -> String {
        let tag = self.mac(&[b"name", email.as_bytes()]).finalize().into_bytes();
        format!("{COOKIE_PREFIX}{}", URL_SAFE_NO_PAD.encode(&tag[..9]))
    }

    /// A new token for `email`, issued at `now` (Unix seconds).
    pub fn issue(&self, email: &str, now: i64) -> String {
        let mut payload = [0u8; NONCE_BYTES + 8];
        getrandom::fill(&mut payload[..NONCE_BYTES]).expect("the system's random source");
        payload[NONCE_BYTES..].copy_from_slice(&now.to_be_bytes());
        let mac = self.mac(&[email.as_bytes(), &payload]).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(&mac[..MAC_BYTES]))
    }

    /// The device `token` names, if it was issued for `email` less than [`MAX_AGE_SECS`] before `now`.
    pub fn verify(&self, email: &str, token: &str, now: i64) -> Option<Device> {
        let (payload, mac) = token.split_once('.')?;
        let (payload, mac) = (URL_SAFE_NO_PAD.decode(payload).ok()?, URL_SAFE_NO_PAD.decode(mac).ok()?);
        if payload.len() != NONCE_BYTES + 8 || mac.len() != MAC_BYTES {
            return None;
        }
        self.mac(&[email.as_bytes(), &payload]).verify_truncated_left(&mac).ok()?;
        let issued = i64::from_be_bytes(payload[NONCE_BYTES..].try_into().ok()?);
        if !(0..MAX_AGE_SECS).contains(&(now - issued)) {
            return None;
        }
        Some(Device { id: URL_SAFE_NO_PAD.encode(&payload[..NONCE_BYTES]) })
    }

    /// The valid device of `email` among a request's `Cookie` header values.
    pub fn recognise<'a>(
        &self,
        email: &str,
        cookie_headers: impl Iterator<Item = &'a str>,
        now: i64,
    ) -> Option<Device> {
        let name = self.cookie_name(email);
        cookie_headers
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(key, _)| *key == name)
            .find_map(|(_, value)| self.verify(email, value.trim_matches('"'), now))
    }

    /// The `Set-Cookie` value that hands `email`'s new device token to the client.
    pub fn set_cookie(&self, email: &str, now: i64) -> String {
        format!(
            "{}={}; Max-Age={MAX_AGE_SECS}; Path=/api/auth/login; HttpOnly; Secure; SameSite=Strict",
            self.cookie_name(email),
            self.issue(email, now)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn keys() -> DeviceKeys {
        DeviceKeys::new(b"a secret of at least thirty-two bytes!!")
    }

    #[test]
    fn a_token_is_valid_only_for_its_account_and_its_age() {
        let token = keys().issue("ada@example.com", NOW);
        let device = keys().verify("ada@example.com", &token, NOW + 60).expect("valid");
        assert_eq!(keys().verify("ada@example.com", &token, NOW + 61), Some(device.clone()), "stable id");
        assert_eq!(keys().verify("eve@example.com", &token, NOW), None, "another account");
        assert_eq!(keys().verify("ada@example.com", &token, NOW + MAX_AGE_SECS), None, "too old");
        assert_eq!(keys().verify("ada@example.com", &token, NOW - 1), None, "from the future");
        let other = DeviceKeys::new(b"another secret of thirty-two bytes!!!!!");
        assert_eq!(other.verify("ada@example.com", &token, NOW), None, "another key");
        assert_ne!(keys().issue("ada@example.com", NOW), token, "each sign-in gets a new nonce");
    }

    #[test]
    fn an_altered_token_is_refused() {
        let token = keys().issue("ada@example.com", NOW);
        let (payload, mac) = token.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[0] ^= 1;
        for bad in [
            format!("{}.{mac}", URL_SAFE_NO_PAD.encode(&bytes)),
            format!("{payload}.{}", &mac[..mac.len() - 2]),
            payload.to_owned(),
            String::new(),
            "..".to_owned(),
        ] {
            assert_eq!(keys().verify("ada@example.com", &bad, NOW), None, "{bad}");
        }
    }

    #[test]
    fn the_cookie_of_the_account_is_found_among_others() {
        let keys = keys();
        let ada = keys.set_cookie("ada@example.com", NOW);
        let (pair, attributes) = ada.split_once(';').unwrap();
        assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"));
        let eve = keys.set_cookie("eve@example.com", NOW);
        let eve_pair = eve.split_once(';').unwrap().0;
        let header = format!("theme=dark; {eve_pair}; {pair}");
        assert!(keys.recognise("ada@example.com", [header.as_str()].into_iter(), NOW).is_some());
        assert!(keys.recognise("bob@example.com", [header.as_str()].into_iter(), NOW).is_none());
        assert!(keys.recognise("ada@example.com", ["theme=dark"].into_iter(), NOW).is_none());
    }
}
