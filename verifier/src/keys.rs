//! Key sources, JWK parsing and the parsed, ready-to-use verification keys.

use std::fmt;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::alg::{Algorithm, KeyKind};
use crate::backend::PublicKey;
use crate::der::{self, KeyMaterial};
use crate::error::{BuildError, FetchError, KeyError};

/// Where the verifier gets the issuer's public keys.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeySource {
    /// Fetch the JWKS from this URL (for our server: `{issuer}/.well-known/jwks.json`), cache
    /// it, and refetch it when it ages or a token names an unknown `kid`.
    ///
    /// The URL must be `https://`, except for loopback hosts (`localhost`, `127.0.0.1`,
    /// `[::1]`).
    RemoteJwks(String),
    /// A fixed JWKS document (JSON text). Keys that cannot verify signatures are skipped; at
    /// least one usable key is required.
    Jwks(String),
    /// Fixed PEM public keys, each with its algorithm.
    StaticPem(Vec<PemKey>),
    /// Fixed single JWKs (JSON text); each must be usable.
    StaticJwk(Vec<String>),
}

impl KeySource {
    /// A remote JWKS URL.
    pub fn jwks_url(url: impl Into<String>) -> Self {
        Self::RemoteJwks(url.into())
    }

    /// A fixed JWKS from its JSON text.
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidJwks`] if the text is not a JWK set.
    pub fn jwks_json(json: &str) -> Result<Self, BuildError> {
        serde_json::from_str::<JwksDocument>(json).map_err(BuildError::InvalidJwks)?;
        Ok(Self::Jwks(json.to_owned()))
    }

    /// One fixed PEM public key for `alg`.
    pub fn pem(alg: Algorithm, pem: impl Into<String>) -> Self {
        Self::StaticPem(vec![PemKey::new(alg, pem)])
    }

    /// One fixed JWK (JSON text); its `alg` member, or its key type, fixes the algorithm.
    pub fn jwk(json: impl Into<String>) -> Self {
        Self::StaticJwk(vec![json.into()])
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
    /// serves tokens whose `kid` no other key has, if it is the only such key for the
    /// token's algorithm.
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
pub(crate) struct VerifyKey {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    pub(crate) key: PublicKey,
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
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

/// The outcome of looking a token's `kid` and `alg` up.
#[derive(Clone, Copy)]
pub(crate) enum Lookup<'a> {
    Found(&'a VerifyKey),
    /// The key named by `kid` (or the only candidate) has another algorithm.
    WrongAlgorithm,
    /// The token has no `kid` and more than one key fits.
    Ambiguous,
    /// No key has this `kid`.
    Unknown,
}

impl KeySet {
    /// A set from parsed keys, dropping every key whose `kid` another key also has.
    pub(crate) fn new(mut keys: Vec<VerifyKey>) -> Self {
        let duplicated: Vec<String> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, key)| {
                let kid = key.kid.as_ref()?;
                keys[..i]
                    .iter()
                    .any(|other| other.kid.as_ref() == Some(kid))
                    .then(|| kid.clone())
            })
            .collect();
        if !duplicated.is_empty() {
            tracing::warn!(kids = ?duplicated, reason = %KeyError::DuplicateKid, "dropping keys");
            keys.retain(|key| key.kid.as_ref().is_none_or(|kid| !duplicated.contains(kid)));
        }
        Self {
            keys,
            fetched_at: None,
            generation: 0,
        }
    }

    /// The key for a token: its `kid` exactly, else (no key has that `kid`, or the token has
    /// none) the only key without a `kid`, or with no `kid` in the token the only key, that
    /// fits `alg`.
    #[inline]
    pub(crate) fn lookup(&self, kid: Option<&str>, alg: Algorithm) -> Lookup<'_> {
        if let Some(kid) = kid
            && let Some(key) = self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
        {
            return if key.alg == alg {
                Lookup::Found(key)
            } else {
                Lookup::WrongAlgorithm
            };
        }
        let mut candidates = self
            .keys
            .iter()
            .filter(|k| (kid.is_none() || k.kid.is_none()) && k.alg == alg);
        match (candidates.next(), candidates.next()) {
            (Some(key), None) => Lookup::Found(key),
            (Some(_), Some(_)) => Lookup::Ambiguous,
            (None, _) if kid.is_some() => Lookup::Unknown,
            (None, _) if self.keys.is_empty() => Lookup::Unknown,
            (None, _) => Lookup::WrongAlgorithm,
        }
    }
}

/// The JWK members we read; others are ignored.
#[derive(Deserialize)]
struct JwkFields {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

fn b64_member(value: Option<&String>) -> Result<Vec<u8>, KeyError> {
    let value = value.ok_or(KeyError::Unparsable)?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| KeyError::Unparsable)
}

/// Parses one JWK (as a JSON value) into a verification key.
pub(crate) fn key_from_jwk(value: serde_json::Value) -> Result<VerifyKey, KeyError> {
    let jwk: JwkFields = serde_json::from_value(value).map_err(|_| KeyError::Unparsable)?;
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return Err(KeyError::NotForVerification);
    }
    if let Some(ops) = &jwk.key_ops
        && !ops.iter().any(|op| op == "verify")
    {
        return Err(KeyError::NotForVerification);
    }
    let material = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("RSA", _) => KeyMaterial::rsa(&b64_member(jwk.n.as_ref())?, &b64_member(jwk.e.as_ref())?)?,
        ("EC", Some(crv @ ("P-256" | "P-384"))) => {
            let kind = if crv == "P-256" {
                KeyKind::P256
            } else {
                KeyKind::P384
            };
            KeyMaterial::ec(
                kind,
                &b64_member(jwk.x.as_ref())?,
                &b64_member(jwk.y.as_ref())?,
            )?
        }
        ("OKP", Some("Ed25519")) => KeyMaterial::ed25519(&b64_member(jwk.x.as_ref())?)?,
        ("oct", _) => return Err(KeyError::Symmetric),
        _ => return Err(KeyError::UnsupportedKeyType),
    };
    let alg = match jwk.alg.as_deref() {
        None => default_algorithm(material.kind()),
        Some(name) if name.starts_with("HS") => return Err(KeyError::Symmetric),
        Some(name) => Algorithm::from_name(name).ok_or(KeyError::UnsupportedAlgorithm)?,
    };
    Ok(VerifyKey {
        kid: jwk.kid,
        alg,
        key: parse(&material, alg)?,
    })
}

/// The algorithm of a key whose JWK has no `alg`: the curve fixes it; RSA means RS256.
fn default_algorithm(kind: KeyKind) -> Algorithm {
    match kind {
        KeyKind::Rsa => Algorithm::RS256,
        KeyKind::P256 => Algorithm::ES256,
        KeyKind::P384 => Algorithm::ES384,
        KeyKind::Ed25519 => Algorithm::EdDSA,
    }
}

/// Binds `material` to `alg` if they fit, and parses it with the crypto backend.
fn parse(material: &KeyMaterial, alg: Algorithm) -> Result<PublicKey, KeyError> {
    if alg.key_kind() != material.kind() {
        return Err(KeyError::AlgorithmMismatch);
    }
    PublicKey::new(material, alg)
}

/// Parses one PEM key.
pub(crate) fn key_from_pem(pem: &PemKey) -> Result<VerifyKey, KeyError> {
    let material = der::from_pem(&pem.pem)?;
    Ok(VerifyKey {
        kid: pem.kid.clone(),
        alg: pem.alg,
        key: parse(&material, pem.alg)?,
    })
}

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<serde_json::Value>,
}

/// Parses a JWKS document. Each key is parsed on its own, so one odd key (an unknown `kty`,
/// an encryption key, a short RSA key) does not hide the others.
fn keys_from_document(document: JwksDocument) -> Vec<VerifyKey> {
    document
        .keys
        .into_iter()
        .filter_map(|value| {
            let kid = value.get("kid").cloned();
            match key_from_jwk(value) {
                Ok(key) => Some(key),
                Err(reason) => {
                    tracing::debug!(?kid, %reason, "skipping JWK");
                    None
                }
            }
        })
        .collect()
}

/// Parses the keys of a static source.
pub(crate) fn static_keys(source: &KeySource) -> Result<KeySet, BuildError> {
    let keys = match source {
        KeySource::Jwks(json) => {
            let document = serde_json::from_str(json).map_err(BuildError::InvalidJwks)?;
            keys_from_document(document)
        }
        KeySource::StaticPem(pems) => pems
            .iter()
            .map(|pem| {
                key_from_pem(pem).map_err(|reason| BuildError::InvalidKey {
                    kid: pem.kid.clone(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?,
        KeySource::StaticJwk(jwks) => jwks
            .iter()
            .map(|json| {
                let value: serde_json::Value =
                    serde_json::from_str(json).map_err(BuildError::InvalidJwks)?;
                let kid = value.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
                key_from_jwk(value).map_err(|reason| BuildError::InvalidKey { kid, reason })
            })
            .collect::<Result<_, _>>()?,
        KeySource::RemoteJwks(_) => Vec::new(),
    };
    let set = KeySet::new(keys);
    if set.keys.is_empty() {
        return Err(BuildError::NoUsableKeys);
    }
    Ok(set)
}

/// Parses a fetched JWKS document.
pub(crate) fn keys_from_jwks_document(body: &[u8]) -> Result<KeySet, FetchError> {
    let document: JwksDocument = serde_json::from_slice(body)
        .map_err(|e| FetchError::InvalidDocument(std::sync::Arc::new(e)))?;
    let set = KeySet::new(keys_from_document(document));
    if set.keys.is_empty() {
        return Err(FetchError::NoUsableKeys);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    fn alg_of(value: serde_json::Value) -> Result<Algorithm, KeyError> {
        key_from_jwk(value).map(|k| k.alg)
    }

    #[test]
    fn rsa_without_alg_defaults_to_rs256() {
        assert_eq!(
            alg_of(json!({"kty": "RSA", "kid": "k", "n": N, "e": "AQAB"})),
            Ok(Algorithm::RS256)
        );
    }

    #[test]
    fn key_alg_wins_and_must_fit_the_key_type() {
        let rsa = |alg: &str| alg_of(json!({"kty": "RSA", "alg": alg, "n": N, "e": "AQAB"}));
        assert_eq!(rsa("PS256"), Ok(Algorithm::PS256));
        assert_eq!(rsa("ES256"), Err(KeyError::AlgorithmMismatch));
        assert_eq!(rsa("HS256"), Err(KeyError::Symmetric));
        assert_eq!(rsa("none"), Err(KeyError::UnsupportedAlgorithm));
    }

    #[test]
    fn unusable_keys_are_refused() {
        assert_eq!(
            alg_of(json!({"kty": "oct", "k": "c2VjcmV0"})),
            Err(KeyError::Symmetric)
        );
        assert_eq!(
            alg_of(json!({"kty": "RSA", "use": "enc", "n": N, "e": "AQAB"})),
            Err(KeyError::NotForVerification)
        );
        assert_eq!(
            alg_of(json!({"kty": "RSA", "key_ops": ["sign"], "n": N, "e": "AQAB"})),
            Err(KeyError::NotForVerification)
        );
        assert_eq!(
            alg_of(json!({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"})),
            Err(KeyError::UnsupportedKeyType)
        );
    }

    #[test]
    fn document_skips_odd_keys() {
        let body = json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0"},
            {"kty": "XYZ", "kid": "weird"},
            {"kty": "RSA", "kid": "good", "n": N, "e": "AQAB"}
        ]});
        let set = keys_from_jwks_document(body.to_string().as_bytes()).unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].kid.as_deref(), Some("good"));
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
