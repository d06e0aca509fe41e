//! Error types: [`BuildError`] for setup, [`VerifyError`] per token, [`FetchError`] for JWKS
//! downloads, [`KeyError`] for a key that cannot be used.

use std::sync::Arc;

/// Why a [`Verifier`](crate::Verifier) could not be built.
///
/// These are configuration mistakes: fix the configuration, do not retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The issuer is empty.
    #[error("the issuer must not be empty")]
    EmptyIssuer,
    /// No audience was given, or one of them is empty.
    #[error("at least one non-empty audience is required")]
    NoAudience,
    /// A configured key could not be used.
    #[error("key {kid:?} cannot be used: {reason}")]
    InvalidKey {
        /// The key's `kid`, if it has one.
        kid: Option<String>,
        /// What is wrong with it.
        #[source]
        reason: KeyError,
    },
    /// A static key source holds no key usable for signature verification.
    #[error("the key source holds no usable signature verification key")]
    NoUsableKeys,
    /// A JWKS document given as JSON text could not be parsed.
    #[error("invalid JWKS document: {0}")]
    InvalidJwks(#[source] serde_json::Error),
    /// The JWKS URL is not `https://` (plain `http://` is allowed for loopback hosts only).
    #[error("the JWKS URL must use https (http only for loopback hosts): {url:?}")]
    InsecureJwksUrl {
        /// The rejected URL.
        url: String,
    },
    /// A remote JWKS source needs a fetcher: enable the `remote-jwks` feature or pass one with
    /// [`VerifierBuilder::fetcher`](crate::VerifierBuilder::fetcher).
    #[error("remote JWKS needs the `remote-jwks` feature or a custom fetcher")]
    NoFetcher,
    /// The HTTP client for the JWKS could not be created.
    #[cfg(feature = "remote-jwks")]
    #[error("cannot create the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// The audience check was turned off but audiences were given too, or the other way round.
    #[error("audiences were given together with `insecure_accept_any_audience`")]
    ConflictingAudience,
    /// wasm32 has no wall clock without the `wasm` feature: pass a [`Clock`](crate::Clock).
    #[error("no clock: enable the `wasm` feature or pass a Clock")]
    NoClock,
    /// An `authorized_parties` list is empty or holds an empty string.
    #[error("authorized parties must be non-empty strings")]
    EmptyAuthorizedParty,
}

/// Why a key cannot be used to verify signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Symmetric (`oct`, HMAC) keys are never accepted: anyone who can verify could also sign.
    #[error("symmetric keys are not accepted")]
    Symmetric,
    /// The key type (`kty`) or curve is not supported.
    #[error("unsupported key type or curve")]
    UnsupportedKeyType,
    /// The key's `alg` is not a supported signature algorithm.
    #[error("unsupported key algorithm")]
    UnsupportedAlgorithm,
    /// The key's `alg` does not fit its key type (for example `ES256` on an RSA key).
    #[error("the key algorithm does not match the key type")]
    AlgorithmMismatch,
    /// The key is marked for encryption (`use: enc`) or its `key_ops` exclude `verify`.
    #[error("the key is not meant for signature verification")]
    NotForVerification,
    /// The key material could not be parsed.
    #[error("the key material could not be parsed")]
    Unparsable,
    /// RSA keys must have at least 2048 bits.
    #[error("RSA key of {bits} bits is too short (at least 2048)")]
    RsaKeyTooShort {
        /// The modulus size.
        bits: usize,
    },
    /// The PEM block is not a public key (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    #[error("the PEM block is not a public key")]
    NotAPublicKey,
    /// Another key in the set has the same `kid`; both are dropped.
    #[error("another key has the same kid")]
    DuplicateKid,
}

/// Why fetching the JWKS failed.
///
/// Cheap to clone: the last failure is kept to answer callers during the cooldown.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The request could not be sent or the response not read.
    #[error("JWKS request failed: {0}")]
    Transport(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The request timed out.
    #[error("JWKS request timed out")]
    Timeout,
    /// The server answered with a non-success status.
    #[error("JWKS request returned HTTP {0}")]
    Status(u16),
    /// The response body is larger than allowed.
    #[error("JWKS response is larger than {max} bytes")]
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
    /// The response is not a JWKS document.
    #[error("JWKS response is not a valid JWK set: {0}")]
    InvalidDocument(#[source] Arc<serde_json::Error>),
    /// The document holds no key usable for signature verification.
    #[error("JWKS response holds no usable signature verification key")]
    NoUsableKeys,
}

impl FetchError {
    /// Wraps any transport error (for custom [`JwksFetcher`](crate::JwksFetcher)s).
    pub fn transport(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Transport(Arc::new(error))
    }
}

/// Why a token was rejected.
///
/// Every variant except [`VerifyError::KeysUnavailable`] means the token is not acceptable
/// (HTTP 401 with `error="invalid_token"`); `KeysUnavailable` means the verifier could not get
/// the issuer's keys (HTTP 503). Messages never contain the token itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than the configured maximum.
    #[error("token is {len} bytes, the limit is {max}")]
    TooLarge {
        /// The token's length in bytes.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// The token is not a well-formed compact JWS.
    #[error("malformed token: {0}")]
    Malformed(Malformed),
    /// The header names a critical extension (`crit`) this verifier does not implement.
    #[error("token uses unsupported critical header parameters")]
    UnsupportedCritical,
    /// The header uses a parameter the verifier refuses: `b64: false` (unencoded payload),
    /// `cty: JWT` (nested token) or `zip`.
    #[error("token uses the unsupported header parameter {0:?}")]
    UnsupportedHeader(&'static str),
    /// The header or the claims repeat a member name.
    #[error("duplicate member {0:?} in the {1}")]
    DuplicateMember(String, &'static str),
    /// The header's `alg` is not the algorithm of the selected key (this covers `none` and
    /// HMAC algorithms, which no public key ever allows).
    #[error("algorithm {alg:?} is not allowed for this key")]
    AlgorithmNotAllowed {
        /// The `alg` the token claimed.
        alg: String,
    },
    /// The token has no `kid` and the key source holds several keys.
    #[error("token has no kid and the key cannot be chosen")]
    MissingKeyId,
    /// No key has this `kid`, even after refetching the JWKS.
    #[error("no key with kid {kid:?}")]
    UnknownKey {
        /// The `kid` the token named.
        kid: String,
    },
    /// The header's `typ` is missing or not the expected type (`at+jwt` by default).
    #[error("token type {typ:?} is not the expected type")]
    InvalidType {
        /// The `typ` the token had, if any.
        typ: Option<String>,
    },
    /// The signature does not verify with the selected key.
    #[error("invalid signature")]
    InvalidSignature,
    /// A required claim is missing.
    #[error("missing claim {0:?}")]
    MissingClaim(&'static str),
    /// `iss` is not the configured issuer.
    #[error("wrong issuer")]
    InvalidIssuer,
    /// `aud` contains none of the accepted audiences.
    #[error("wrong audience")]
    InvalidAudience,
    /// Authorized parties are configured and neither `azp` nor `client_id` is one of them.
    #[error("the token was issued to a client that is not authorized")]
    UnauthorizedParty,
    /// `exp` has passed (allowing for the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is still in the future (allowing for the leeway).
    #[error("token not valid yet")]
    NotYetValid,
    /// `iat` is in the future (allowing for the leeway).
    #[error("token issued in the future")]
    IssuedInFuture,
    /// The claims do not have the expected shape (a registered claim of the wrong type, or
    /// a payload that does not deserialize into the requested type).
    #[error("invalid claims: {0}")]
    InvalidClaims(#[source] serde_json::Error),
    /// The issuer's keys could not be fetched and none are cached.
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(#[source] FetchError),
}

impl VerifyError {
    /// `true` when the failure is on the verifier's side (keys unavailable) rather than the
    /// token's: answer 503, not 401.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::KeysUnavailable(_))
    }
}

/// Which part of a compact JWS is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not three non-empty segments separated by dots.
    #[error("not a compact JWS with three segments")]
    Segments,
    /// A segment holds characters outside the unpadded base64url alphabet.
    #[error("not unpadded base64url")]
    Encoding,
    /// The header is not base64url-encoded JSON with a string `alg`.
    #[error("bad header")]
    Header,
    /// The payload is not base64url-encoded JSON.
    #[error("bad payload")]
    Payload,
    /// The signature is not base64url.
    #[error("bad signature encoding")]
    Signature,
}
