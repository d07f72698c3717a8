//! Access tokens: HS256 JWTs, verified strictly.
//!
//! Only HS256 is accepted (never `none`, never another algorithm, whatever the header says);
//! headers that point at other keys (`jku`, `x5u`, `jwk`, `x5c`) are refused outright; issuer,
//! audience and our own `typ` claim must match what the endpoint expects, so a machine token
//! never works where a user token is expected and the reverse. Time claims are checked against
//! the injected clock (not the system clock) with at most 5 s of leeway, so expiry is tested
//! without sleeping. A valid token is necessary but not sufficient: user tokens name a session
//! that the caller extractor checks on every request.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const ISSUER: &str = "s117-register";
pub const LEEWAY_SECONDS: i64 = 5;

/// Who a token is for: a person in the browser, or another council system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    User,
    Client,
}

impl TokenKind {
    pub fn audience(self) -> &'static str {
        match self {
            TokenKind::User => "s117-user",
            TokenKind::Client => "s117-client",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// `user` or `client` (checked together with `aud`).
    pub typ: TokenKind,
    /// `user:<id>` or `client:<client_id>`.
    pub sub: String,
    /// The session a user token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Space-separated scopes of a client token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("malformed or unsigned token")]
    Invalid,
    #[error("token header not allowed")]
    ForbiddenHeader,
    #[error("token is for another kind of caller")]
    WrongKind,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
}

/// The signing key and the keyed hash for PINs, both derived from `S117_JWT_SECRET`.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pin_key: Vec<u8>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Keys {
        // A separate key for PIN hashes, so a leaked PIN hash says nothing about the JWT key.
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"s117 pin hash key v1");
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            pin_key: mac.finalize().into_bytes().to_vec(),
        }
    }

    pub fn issue(&self, claims: &Claims) -> String {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    pub fn verify(
        &self,
        token: &str,
        expected: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        if header.jku.is_some()
            || header.x5u.is_some()
            || header.jwk.is_some()
            || header.x5c.is_some()
        {
            return Err(TokenError::ForbiddenHeader);
        }
        if header
            .typ
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
        {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.validate_exp = false; // checked below against the injected clock
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[expected.audience()]);
        let data =
            decode::<Claims>(token, &self.decoding, &validation).map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidAudience => TokenError::WrongKind,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        if claims.typ != expected {
            return Err(TokenError::WrongKind);
        }
        let now = now.timestamp();
        if claims.exp <= now - LEEWAY_SECONDS {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + LEEWAY_SECONDS || claims.iat > now + LEEWAY_SECONDS {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }

    /// Keyed hash of a PIN, bound to its challenge (a PIN hash is useless for any other
    /// challenge, and a database leak does not reveal PINs).
    pub fn pin_hash(&self, challenge_id: &str, pin: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.pin_key).expect("HMAC key");
        mac.update(challenge_id.as_bytes());
        mac.update(b":");
        mac.update(pin.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn claims(kind: TokenKind, iat: i64, exp: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: kind.audience().into(),
            typ: kind,
            sub: "user:1".into(),
            sid: Some("s".into()),
            scope: None,
            iat,
            nbf: iat,
            exp,
            jti: "j".into(),
        }
    }

    #[test]
    fn round_trip_and_time_checks_use_the_given_clock() {
        let keys = Keys::new(&[7u8; 32]);
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t = keys.issue(&claims(
            TokenKind::User,
            now.timestamp(),
            now.timestamp() + 60,
        ));
        assert!(keys.verify(&t, TokenKind::User, now).is_ok());
        assert_eq!(
            keys.verify(&t, TokenKind::Client, now),
            Err(TokenError::WrongKind)
        );
        assert_eq!(
            keys.verify(&t, TokenKind::User, now + chrono::Duration::seconds(70)),
            Err(TokenError::Expired)
        );
        assert_eq!(
            keys.verify(&t, TokenKind::User, now - chrono::Duration::seconds(60)),
            Err(TokenError::NotYetValid)
        );
        assert_eq!(
            Keys::new(&[8u8; 32]).verify(&t, TokenKind::User, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn pin_hash_is_bound_to_the_challenge() {
        let keys = Keys::new(&[7u8; 32]);
        assert_eq!(keys.pin_hash("a", "123456"), keys.pin_hash("a", "123456"));
        assert_ne!(keys.pin_hash("a", "123456"), keys.pin_hash("b", "123456"));
    }
}
