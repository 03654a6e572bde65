//! HS256 tokens. A token names the user and the user's `token_version`; bumping the version
//! (password change, disable, role change) revokes every token issued before.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string as RFC 7519 wants.
    pub sub: String,
    pub tv: i64,
    pub iat: i64,
    pub exp: i64,
    /// The instance that issued the token; another instance's secret differs anyway, this makes
    /// the refusal explicit in logs.
    pub iss: String,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    pub ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: String, ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer.as_str()]);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer,
            ttl_seconds,
        }
    }

    pub fn issue(&self, user_id: i64, token_version: i64) -> jsonwebtoken::errors::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            tv: token_version,
            iat: now,
            exp: now + self.ttl_seconds,
            iss: self.issuer.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The user id and token version of a valid token.
    pub fn verify(&self, token: &str) -> Option<(i64, i64)> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        Some((claims.sub.parse().ok()?, claims.tv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_own_secret_and_issuer() {
        let a = JwtKeys::new(b"secret-a-0123456789abcdef0123456789", "a".into(), 60);
        let b = JwtKeys::new(b"secret-b-0123456789abcdef0123456789", "a".into(), 60);
        let token = a.issue(7, 3).unwrap();
        assert_eq!(a.verify(&token), Some((7, 3)));
        assert!(b.verify(&token).is_none());
        let expired = JwtKeys::new(b"secret-a-0123456789abcdef0123456789", "a".into(), -60);
        assert!(a.verify(&expired.issue(7, 3).unwrap()).is_none());
    }
}
