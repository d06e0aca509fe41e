//! Key sources and the parsed, ready-to-use verification keys.

use std::fmt;
use std::time::SystemTime;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use crate::error::{BuildError, FetchError, KeyError};

/// Where the verifier gets the issuer's public keys.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeySource {
    /// Fetch the JWKS from this URL (for our server: `{issuer}/.well-known/jwks.json`), cache
    /// it, and refetch it when it is old or a token names an unknown `kid`.
    ///
    /// The URL must be `https://`, except for loopback hosts (`localhost`, `127.0.0.1`,
    /// `[::1]`).
    RemoteJwks(String),
    /// A fixed JWKS document. Keys that cannot verify signatures (encryption or symmetric
    /// keys) are skipped; at least one usable key is required.
    Jwks(JwkSet),
    /// Fixed PEM public keys.
    StaticPem(Vec<PemKey>),
}

impl KeySource {
    /// A fixed JWKS from its JSON text.
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidJwks`] if the text is not a JWK set.
    pub fn jwks_json(json: &str) -> Result<Self, BuildError> {
        serde_json::from_str(json)
            .map(Self::Jwks)
            .map_err(BuildError::InvalidJwks)
    }
}

/// A PEM-encoded public key (`-----BEGIN PUBLIC KEY-----`, or `RSA PUBLIC KEY` for RSA) with
/// the one algorithm it may verify.
#[derive(Clone)]
pub struct PemKey {
    alg: Algorithm,
    pem: String,
    kid: Option<String>,
}

impl PemKey {
    /// A key that verifies tokens signed with `alg` (`RS256` for our server).
    pub fn new(alg: Algorithm, pem: impl Into<String>) -> Self {
        Self {
            alg,
            pem: pem.into(),
            kid: None,
        }
    }

    /// Restricts the key to tokens whose header `kid` is `kid`. A key without a `kid`
    /// matches any token whose `kid` no other key has.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

impl fmt::Debug for PemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PemKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// One verification key, parsed once, with the single algorithm it allows.
#[derive(Debug)]
pub(crate) struct VerifyKey {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    pub(crate) key: DecodingKey,
}

/// An immutable snapshot of the keys; replaced whole on refresh.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<VerifyKey>,
    /// When the keys were fetched (`None` for static sources and before the first fetch).
    pub(crate) fetched_at: Option<SystemTime>,
    /// Bumped on every successful refresh, so callers that waited know one happened.
    pub(crate) generation: u64,
}

/// The outcome of looking a token's `kid` up.
pub(crate) enum Lookup<'a> {
    /// Keys that may verify the token (exact `kid` matches, else keys without a `kid`).
    Found(Vec<&'a VerifyKey>),
    /// The token has no `kid` and the choice is ambiguous.
    NoKid,
    /// No key has this `kid`.
    Unknown,
}

impl KeySet {
    pub(crate) fn lookup(&self, kid: Option<&str>) -> Lookup<'_> {
        let exact: Vec<&VerifyKey> = match kid {
            Some(kid) => self
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid))
                .collect(),
            None => Vec::new(),
        };
        if !exact.is_empty() {
            return Lookup::Found(exact);
        }
        let anonymous: Vec<&VerifyKey> = self.keys.iter().filter(|k| k.kid.is_none()).collect();
        if !anonymous.is_empty() {
            return Lookup::Found(anonymous);
        }
        match kid {
            Some(_) => Lookup::Unknown,
            None if self.keys.len() == 1 => Lookup::Found(self.keys.iter().collect()),
            None => Lookup::NoKid,
        }
    }
}

/// The algorithm a JWK may verify: its `alg`, else the one default for its key type.
fn jwk_algorithm(jwk: &Jwk) -> Result<Algorithm, KeyError> {
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return Err(KeyError::NotForVerification);
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return Err(KeyError::NotForVerification);
    }
    let (family, default) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (AlgorithmFamily::Rsa, Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => (AlgorithmFamily::Ec, Algorithm::ES256),
            EllipticCurve::P384 => (AlgorithmFamily::Ec, Algorithm::ES384),
            _ => return Err(KeyError::UnsupportedKeyType),
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => (AlgorithmFamily::Ed, Algorithm::EdDSA),
            _ => return Err(KeyError::UnsupportedKeyType),
        },
        AlgorithmParameters::OctetKey(_) => return Err(KeyError::Symmetric),
        _ => return Err(KeyError::UnsupportedKeyType),
    };
    let alg = match jwk.common.key_algorithm {
        None => default,
        Some(KeyAlgorithm::HS256 | KeyAlgorithm::HS384 | KeyAlgorithm::HS512) => {
            return Err(KeyError::Symmetric);
        }
        Some(ka) => Algorithm::try_from(ka).map_err(|_| KeyError::UnsupportedAlgorithm)?,
    };
    if alg.family() != family {
        return Err(KeyError::AlgorithmMismatch);
    }
    // An EC key's curve fixes its algorithm.
    if family == AlgorithmFamily::Ec && alg != default {
        return Err(KeyError::AlgorithmMismatch);
    }
    Ok(alg)
}

/// Parses one JWK into a verification key.
pub(crate) fn key_from_jwk(jwk: &Jwk) -> Result<VerifyKey, KeyError> {
    let alg = jwk_algorithm(jwk)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| KeyError::Unparsable)?;
    Ok(VerifyKey {
        kid: jwk.common.key_id.clone(),
        alg,
        key,
    })
}

/// Parses one PEM key.
pub(crate) fn key_from_pem(pem: &PemKey) -> Result<VerifyKey, KeyError> {
    let bytes = pem.pem.as_bytes();
    let key = match pem.alg.family() {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(bytes),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(bytes),
        AlgorithmFamily::Ed => DecodingKey::from_ed_pem(bytes),
        AlgorithmFamily::Hmac => return Err(KeyError::Symmetric),
    }
    .map_err(|_| KeyError::Unparsable)?;
    Ok(VerifyKey {
        kid: pem.kid.clone(),
        alg: pem.alg,
        key,
    })
}

/// Parses a fixed JWK set; unusable keys are skipped, none usable is an error.
pub(crate) fn keys_from_jwk_set(set: &JwkSet) -> Result<Vec<VerifyKey>, BuildError> {
    let keys: Vec<VerifyKey> = set
        .keys
        .iter()
        .filter_map(|jwk| match key_from_jwk(jwk) {
            Ok(key) => Some(key),
            Err(reason) => {
                tracing::debug!(kid = ?jwk.common.key_id, %reason, "skipping JWK");
                None
            }
        })
        .collect();
    if keys.is_empty() {
        return Err(BuildError::NoUsableKeys);
    }
    Ok(keys)
}

/// Parses fixed PEM keys; any bad key is an error.
pub(crate) fn keys_from_pems(pems: &[PemKey]) -> Result<Vec<VerifyKey>, BuildError> {
    let keys = pems
        .iter()
        .map(|pem| {
            key_from_pem(pem).map_err(|reason| BuildError::InvalidKey {
                kid: pem.kid.clone(),
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(BuildError::NoUsableKeys);
    }
    Ok(keys)
}

/// Parses a fetched JWKS document. Each key is parsed on its own so one odd key (an unknown
/// `kty`, an encryption key) does not hide the others.
pub(crate) fn keys_from_jwks_document(body: &[u8]) -> Result<Vec<VerifyKey>, FetchError> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document = serde_json::from_slice(body)
        .map_err(|e| FetchError::InvalidDocument(std::sync::Arc::new(e)))?;
    let keys: Vec<VerifyKey> = document
        .keys
        .into_iter()
        .filter_map(|value| {
            let jwk: Jwk = match serde_json::from_value(value) {
                Ok(jwk) => jwk,
                Err(error) => {
                    tracing::debug!(%error, "skipping unparsable JWK");
                    return None;
                }
            };
            match key_from_jwk(&jwk) {
                Ok(key) => Some(key),
                Err(reason) => {
                    tracing::debug!(kid = ?jwk.common.key_id, %reason, "skipping JWK");
                    None
                }
            }
        })
        .collect();
    if keys.is_empty() {
        return Err(FetchError::NoUsableKeys);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(json: serde_json::Value) -> Jwk {
        serde_json::from_value(json).unwrap()
    }

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    #[test]
    fn rsa_without_alg_defaults_to_rs256() {
        let key = jwk(serde_json::json!({"kty": "RSA", "kid": "k", "n": N, "e": "AQAB"}));
        assert_eq!(jwk_algorithm(&key), Ok(Algorithm::RS256));
    }

    #[test]
    fn key_alg_wins_and_must_fit_the_key_type() {
        let ps = jwk(serde_json::json!({"kty": "RSA", "alg": "PS256", "n": N, "e": "AQAB"}));
        assert_eq!(jwk_algorithm(&ps), Ok(Algorithm::PS256));
        let es = jwk(serde_json::json!({"kty": "RSA", "alg": "ES256", "n": N, "e": "AQAB"}));
        assert_eq!(jwk_algorithm(&es), Err(KeyError::AlgorithmMismatch));
        let hs = jwk(serde_json::json!({"kty": "RSA", "alg": "HS256", "n": N, "e": "AQAB"}));
        assert_eq!(jwk_algorithm(&hs), Err(KeyError::Symmetric));
    }

    #[test]
    fn unusable_keys_are_refused() {
        let oct = jwk(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}));
        assert_eq!(jwk_algorithm(&oct), Err(KeyError::Symmetric));
        let enc = jwk(serde_json::json!({"kty": "RSA", "use": "enc", "n": N, "e": "AQAB"}));
        assert_eq!(jwk_algorithm(&enc), Err(KeyError::NotForVerification));
        let sign_only =
            jwk(serde_json::json!({"kty": "RSA", "key_ops": ["sign"], "n": N, "e": "AQAB"}));
        assert_eq!(jwk_algorithm(&sign_only), Err(KeyError::NotForVerification));
    }

    #[test]
    fn document_skips_odd_keys() {
        let body = serde_json::json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0"},
            {"kty": "XYZ", "kid": "weird"},
            {"kty": "RSA", "kid": "good", "n": N, "e": "AQAB"}
        ]});
        let keys = keys_from_jwks_document(body.to_string().as_bytes()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("good"));
        assert!(matches!(
            keys_from_jwks_document(br#"{"keys": []}"#),
            Err(FetchError::NoUsableKeys)
        ));
        assert!(matches!(
            keys_from_jwks_document(b"<html>"),
            Err(FetchError::InvalidDocument(_))
        ));
    }
}
