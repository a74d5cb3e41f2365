//! `TokenKeys`: the RSA key the emulated sign-in signs its access tokens with (RS256, as Azure
//! AD does), its public half as the JWKS clients may fetch, and the check of a token's
//! signature (docs/identity.md). The key is loaded from the CA directory; it is never served.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::Map;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The resource every token the mock issues is for, and the audience strict auth accepts.
pub(crate) const AUDIENCE: &str = "https://cloudpartner.azure.com";

/// What the mock's tokens say; what strict auth reads back.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct TokenClaims {
    pub(crate) aud: String,
    pub(crate) iss: String,
    pub(crate) iat: u64,
    pub(crate) nbf: u64,
    pub(crate) exp: u64,
    pub(crate) appid: String,
    pub(crate) azp: String,
    pub(crate) oid: String,
    pub(crate) sub: String,
    pub(crate) tid: String,
    pub(crate) ver: String,
}

pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    /// The JWKS document, `{"keys": [...]}`, written once.
    jwks: String,
    /// The claims of tokens whose signature was checked: an RSA check costs a hundred times
    /// what the rest of a request does, and a client sends its token until it expires. At
    /// most `VERIFIED_MAX`, cleared when full; the key is the whole token, which the
    /// signature covers.
    verified: Mutex<Map<Box<str>, Arc<TokenClaims>>>,
}

const VERIFIED_MAX: usize = 1024;

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// The keys of an RSA private key in PEM (PKCS#1 or PKCS#8).
    pub(crate) fn from_pem(pem: &str) -> Result<Self, String> {
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
        let mut jwk =
            Jwk::from_encoding_key(&encoding, Algorithm::RS256).map_err(|e| e.to_string())?;
        // A key id that names this key: the start of its modulus.
        let kid = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) => rsa
                .n
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(27)
                .collect(),
            _ => "cloudpartner-mock".to_owned(),
        };
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
        let jwks = serde_json::to_string(&JwkSet { keys: vec![jwk] }).map_err(|e| e.to_string())?;
        Ok(Self {
            encoding,
            decoding,
            kid,
            jwks,
            verified: Mutex::new(Map::default()),
        })
    }

    /// `claims` as a signed JWT (RS256, with this key's id).
    pub(crate) fn sign(&self, claims: &impl Serialize) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// The claims of `token` when this key signed it. Times and audience are the caller's to
    /// check: they are judged by the mock's clock, not the system's.
    pub(crate) fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, String> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<C>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| e.to_string())
    }

    /// The claims of `token` when this key signed it, checked once per token (see
    /// `verified`). Times and audience are the caller's to check, by the mock's clock.
    pub(crate) fn verified_claims(&self, token: &str) -> Result<Arc<TokenClaims>, String> {
        let cached = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned();
        if let Some(claims) = cached {
            return Ok(claims);
        }
        let claims: Arc<TokenClaims> = Arc::new(self.verify(token)?);
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= VERIFIED_MAX {
            verified.clear();
        }
        verified.insert(token.into(), Arc::clone(&claims));
        Ok(claims)
    }

    /// The JWKS document that names this key.
    pub(crate) fn jwks(&self) -> &str {
        &self.jwks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small key, made at run time: enough to sign and check in a unit test.
    fn keys() -> TokenKeys {
        use rsa::pkcs8::EncodePrivateKey as _;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).expect("a key");
        let pem = key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).expect("PEM");
        TokenKeys::from_pem(&pem).expect("keys")
    }

    #[test]
    fn a_token_it_signs_it_verifies_and_another_key_does_not() {
        let (ours, theirs) = (keys(), keys());
        let claims = serde_json::json!({"aud": "https://cloudpartner.azure.com", "appid": "a"});

        let token = ours.sign(&claims).expect("signed");

        let read: serde_json::Value = ours.verify(&token).expect("verified");
        assert_eq!(read, claims);
        assert!(theirs.verify::<serde_json::Value>(&token).is_err());
        assert!(ours.jwks().contains(&ours.kid));
        assert!(
            !ours.jwks().contains("\"d\""),
            "no private part in the JWKS"
        );
    }
}
