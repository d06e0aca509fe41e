//! Signing keys: made on first start, sealed at rest, published as a JWKS; JWT signing and
//! checking of our own access tokens.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::clock::UnixTime;
use crate::crypto::{CryptoError, MasterKey, Random, b64url, sha256};
use crate::store::{SigningKeyRow, Store};

/// A loaded signing key.
struct SigningKey {
    kid: String,
    pair: KeyPair,
    /// PKCS#1 RSAPublicKey DER, for checking our own tokens.
    public_der: Vec<u8>,
    jwk: serde_json::Value,
}

/// The server's signing keys; the first one signs.
#[derive(Clone)]
pub struct Keys(Arc<Vec<SigningKey>>);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.0.iter().map(|k| k.kid.as_str()).collect();
        f.debug_tuple("Keys").field(&kids).finish()
    }
}

/// Why a token of ours was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url parts of JSON.
    #[error("malformed token")]
    Malformed,
    /// Wrong `alg`, `typ` or unknown `kid`.
    #[error("unexpected header")]
    Header,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// `exp` has passed.
    #[error("token expired")]
    Expired,
    /// `iss` is not ours.
    #[error("wrong issuer")]
    Issuer,
}

impl Keys {
    /// Loads the active keys, making (and sealing) a 2048-bit RSA key if there is none.
    pub async fn load_or_create(
        store: &Store,
        master: &MasterKey,
        rng: &dyn Random,
        now: UnixTime,
    ) -> Result<Self, KeysError> {
        let mut rows = store.active_signing_keys().await?;
        if rows.is_empty() {
            let row = generate(master, rng)?;
            store.insert_signing_key(&row, now).await?;
            tracing::info!(kid = %row.kid, "created a new RS256 signing key");
            rows.push(row);
        }
        let keys = rows
            .iter()
            .map(|row| load(master, row))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Arc::new(keys)))
    }

    /// The JWKS document.
    pub fn jwks(&self) -> serde_json::Value {
        json!({ "keys": self.0.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
    }

    /// Signs `claims` as a JWT with header `typ`.
    pub fn sign(&self, typ: &str, claims: &impl Serialize) -> Result<String, CryptoError> {
        let key = self.0.first().ok_or(CryptoError::Key("no signing key"))?;
        let header = json!({ "alg": "RS256", "typ": typ, "kid": key.kid });
        let header = serde_json::to_vec(&header).map_err(|_| CryptoError::Key("header"))?;
        let claims = serde_json::to_vec(claims).map_err(|_| CryptoError::Key("claims"))?;
        let mut jwt = b64url(&header);
        jwt.push('.');
        jwt.push_str(&b64url(&claims));
        let mut sig = vec![0u8; key.pair.public_modulus_len()];
        key.pair
            // PKCS#1 v1.5 signing is deterministic; the RNG argument is unused by it.
            .sign(
                &RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                jwt.as_bytes(),
                &mut sig,
            )
            .map_err(|_| CryptoError::Key("signing failed"))?;
        jwt.push('.');
        jwt.push_str(&b64url(&sig));
        Ok(jwt)
    }

    /// Checks one of our own access tokens (signature, `typ`, `iss`, `exp`) and returns its claims.
    pub fn check<C: DeserializeOwned + HasTimes>(
        &self,
        token: &str,
        typ: &str,
        issuer: &str,
        now: UnixTime,
    ) -> Result<C, TokenError> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: serde_json::Value = decode_json(h)?;
        if header["alg"] != "RS256" || header["typ"] != typ {
            return Err(TokenError::Header);
        }
        let key = self
            .0
            .iter()
            .find(|k| header["kid"] == k.kid.as_str())
            .ok_or(TokenError::Header)?;
        let sig = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenError::Malformed)?;
        let signed = &token[..h.len() + 1 + c.len()];
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &key.public_der)
            .verify(signed.as_bytes(), &sig)
            .map_err(|_| TokenError::Signature)?;
        let claims: C = decode_json(c)?;
        if claims.issuer() != issuer {
            return Err(TokenError::Issuer);
        }
        if claims.expires_at() <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// Claims with an issuer and expiry, so [`Keys::check`] can check them.
pub trait HasTimes {
    /// `iss`.
    fn issuer(&self) -> &str;
    /// `exp`.
    fn expires_at(&self) -> UnixTime;
}

fn decode_json<T: DeserializeOwned>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

/// A key store failure at start-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Crypto failed (for a stored key: usually the wrong master key).
    #[error("{0}")]
    Crypto(#[from] CryptoError),
}

fn generate(master: &MasterKey, rng: &dyn Random) -> Result<SigningKeyRow, CryptoError> {
    let pair =
        KeyPair::generate(KeySize::Rsa2048).map_err(|_| CryptoError::Key("RSA generation"))?;
    let pkcs8 =
        AsDer::<Pkcs8V1Der>::as_der(&pair).map_err(|_| CryptoError::Key("PKCS#8 encoding"))?;
    let jwk = public_jwk(&pair, None)?;
    Ok(SigningKeyRow {
        kid: jwk["kid"].as_str().unwrap_or_default().to_owned(),
        alg: "RS256".to_owned(),
        private_key_enc: master.seal(rng, pkcs8.as_ref())?,
        public_jwk: jwk.to_string(),
    })
}

fn load(master: &MasterKey, row: &SigningKeyRow) -> Result<SigningKey, CryptoError> {
    let pkcs8 = master.open(&row.private_key_enc)?;
    let pair =
        KeyPair::from_pkcs8(&pkcs8).map_err(|_| CryptoError::Key("stored key does not parse"))?;
    Ok(SigningKey {
        kid: row.kid.clone(),
        public_der: pair.public_key().as_ref().to_vec(),
        jwk: public_jwk(&pair, Some(&row.kid))?,
        pair,
    })
}

/// The public JWK of `pair`; the `kid` defaults to a thumbprint-like hash of the public key.
fn public_jwk(pair: &KeyPair, kid: Option<&str>) -> Result<serde_json::Value, CryptoError> {
    let public = pair.public_key();
    let n = b64url(public.modulus().big_endian_without_leading_zero());
    let e = b64url(public.exponent().big_endian_without_leading_zero());
    let kid = match kid {
        Some(kid) => kid.to_owned(),
        // RFC 7638 thumbprint input, truncated: stable, unique enough, no secrets.
        None => {
            let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
            b64url(&sha256(canonical.as_bytes())[..16])
        }
    };
    Ok(json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e }))
}
