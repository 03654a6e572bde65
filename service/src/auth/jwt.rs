//! HS256 tokens. A token names the user and the user's `token_version`; bumping the version
//! (password change, disable, role change, "end all sessions") revokes every token issued
//! before. Each token also has its own id (`jti`), so that signing out ends that one token.

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
    /// This token's id (a random UUID): what `POST /api/auth/logout` revokes.
    pub jti: String,
}

/// What a valid token says.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub user_id: i64,
    pub token_version: i64,
    pub jti: String,
    pub expires_at: i64,
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
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims of a valid token (a token without `jti`, from before logout existed, is not).
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        Some(Verified {
            user_id: claims.sub.parse().ok()?,
            token_version: claims.tv,
            jti: claims.jti,
            expires_at: claims.exp,
        })
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
        let verified = a.verify(&token).unwrap();
        assert_eq!((verified.user_id, verified.token_version), (7, 3));
        assert_ne!(verified.jti, a.verify(&a.issue(7, 3).unwrap()).unwrap().jti);
        assert!(b.verify(&token).is_none());
        let expired = JwtKeys::new(b"secret-a-0123456789abcdef0123456789", "a".into(), -60);
        assert!(a.verify(&expired.issue(7, 3).unwrap()).is_none());
    }
}
