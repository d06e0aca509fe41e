//! Verify JWT access tokens issued by our auth server, or any issuer that publishes a JWKS.
//!
//! Build one [`Verifier`] at startup from the issuer, the audiences you accept and a
//! [`KeySource`], share it (it is cheap to clone), and call [`Verifier::verify`] for every
//! request. It checks, in this order: size (8 KiB by default), compact form, `typ`
//! (`at+jwt`), the key by `kid` and the algorithm that key allows, the signature, `iss`,
//! `aud`, `exp`, `nbf` and `iat` (30 s leeway by default). Each failure is a
//! [`VerifyError`] variant saying why.
//!
//! ```
//! # use aws_lc_rs::{encoding::AsDer, rsa::{KeyPair, KeySize, PublicKeyComponents}};
//! # use aws_lc_rs::signature::KeyPair as _;
//! # use base64::Engine as _;
//! # let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
//! # let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
//! # let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
//! # let pkcs8 = base64::engine::general_purpose::STANDARD.encode(pair.as_der().unwrap().as_ref());
//! # let pem = format!("-----BEGIN PRIVATE KEY-----\n{pkcs8}\n-----END PRIVATE KEY-----\n");
//! # let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "2025-01", "alg": "RS256",
//! #     "use": "sig", "n": b64(&public.n), "e": b64(&public.e)}]}).to_string();
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use verifier::{KeySource, Verifier, VerifyError};
//!
//! // In production: KeySource::RemoteJwks("https://auth.example.com/.well-known/jwks.json".into())
//! let verifier = Verifier::builder(
//!     "https://auth.example.com",
//!     ["my-client-id"],
//!     KeySource::jwks_json(&jwks)?,
//! )
//! .build()?;
//! # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
//! # let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
//! # header.kid = Some("2025-01".into());
//! # header.typ = Some("at+jwt".into());
//! # let claims = serde_json::json!({"iss": "https://auth.example.com", "sub": "user-1",
//! #     "aud": "my-client-id", "exp": now + 3600, "iat": now, "roles": ["admin"]});
//! # let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
//! # let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
//!
//! let claims = verifier.verify(&token).await?;
//! assert_eq!(claims.sub, "user-1");
//! assert!(claims.has_role("admin"));
//!
//! let tampered = format!("{token}x");
//! assert!(matches!(verifier.verify(&tampered).await, Err(VerifyError::InvalidSignature)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Key sources and caching
//!
//! [`KeySource::RemoteJwks`] fetches the JWKS on first use and caches the parsed keys. Keys
//! older than [`RefreshPolicy::max_age`] (10 min) are refetched before use; a token whose
//! `kid` is unknown triggers one refetch, at most once per [`RefreshPolicy::cooldown`]
//! (30 s), so signing-key rotation needs no restart. Concurrent callers share one fetch, and
//! verification reads an `Arc` snapshot without taking a lock. Call
//! [`Verifier::refresh_keys`] at startup to fail fast if the issuer is unreachable.
//!
//! # Features
//!
//! - `native` (default): the aws-lc-rs crypto backend.
//! - `rust-crypto`: the RustCrypto backend, for wasm32. With both enabled, `native` is used
//!   unless the application installed a `jsonwebtoken` crypto provider itself.
//! - `remote-jwks` (default): [`ReqwestFetcher`], the default JWKS fetcher. Without it, pass
//!   your own [`JwksFetcher`] (any async closure) to use a remote JWKS.
//! - `rustls-tls` (default): HTTPS for `remote-jwks`.
//!
//! # Security
//!
//! - The algorithm comes from the key, never from the token: a JWK's `alg`, else the default
//!   for its type (`RS256` for RSA). A token whose header `alg` differs is refused, which
//!   rules out `none` and HMAC-with-the-public-key confusion. Symmetric (`oct`) keys and
//!   encryption keys in a JWKS are ignored.
//! - Keys come only from the configured source: the `jku`, `x5u`, `jwk` and `x5c` header
//!   parameters are ignored, and tokens naming critical extensions (`crit`) are refused.
//! - A remote JWKS URL must be `https://` (plain `http://` only for loopback hosts) and
//!   redirects are not followed.
//! - `typ` must be `at+jwt` (RFC 9068), so an ID token or another JWT signed by the same
//!   issuer is not accepted as an access token.
//! - Always configure the audience of *your* API or client: a token minted for another
//!   client of the same issuer is refused only by the `aud` check.
//! - A signature-valid token is not necessarily current: the verifier cannot see session
//!   revocation. Keep access tokens short-lived.
//! - Error messages never contain the token; the `kid` in [`VerifyError::UnknownKey`] is
//!   attacker-chosen, so log it with `{:?}`.

#![warn(missing_docs)]

mod cache;
mod claims;
mod clock;
mod error;
mod fetch;
mod keys;
mod token;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm as JwtAlgorithm;
use serde::de::DeserializeOwned;

pub use crate::claims::{Audience, Claims};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::error::{BuildError, FetchError, KeyError, Malformed, VerifyError};
#[cfg(feature = "remote-jwks")]
pub use crate::fetch::ReqwestFetcher;
pub use crate::fetch::{FetchFuture, JwksFetcher, MaybeSend, MaybeSendSync, RefreshPolicy};
pub use crate::keys::{KeySource, PemKey};
/// The signature algorithms (re-exported from `jsonwebtoken`).
pub use jsonwebtoken::Algorithm;
/// A JWK set document (re-exported from `jsonwebtoken`).
pub use jsonwebtoken::jwk::JwkSet;

use crate::cache::{KeyStore, RemoteKeys, Trigger};
use crate::keys::{KeySet, Lookup, VerifyKey};
use crate::token::{Expectations, Header};

/// Default largest accepted token, in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default clock-skew allowance for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// Verifies access tokens for one issuer. Cheap to clone; clones share the key cache.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audiences: Vec<String>,
    leeway: i64,
    max_token_bytes: usize,
    clock: Arc<dyn Clock>,
    keys: KeyStore,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Verifier")
            .field("issuer", &inner.issuer)
            .field("audiences", &inner.audiences)
            .field("leeway", &inner.leeway)
            .field("max_token_bytes", &inner.max_token_bytes)
            .field("clock", &inner.clock)
            .field("keys", &inner.keys)
            .finish()
    }
}

impl Verifier {
    /// Starts a verifier for tokens from `issuer` (compared exactly with `iss`) whose `aud`
    /// contains one of `audiences`, checked with keys from `keys`.
    pub fn builder<A>(
        issuer: impl Into<String>,
        audiences: impl IntoIterator<Item = A>,
        keys: KeySource,
    ) -> VerifierBuilder
    where
        A: Into<String>,
    {
        VerifierBuilder {
            issuer: issuer.into(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            source: keys,
            leeway: DEFAULT_LEEWAY,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            clock: None,
            policy: RefreshPolicy::default(),
            fetcher: None,
        }
    }

    /// A verifier with one audience and the default settings.
    ///
    /// # Errors
    ///
    /// See [`VerifierBuilder::build`].
    pub fn new(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        keys: KeySource,
    ) -> Result<Self, BuildError> {
        Self::builder(issuer, [audience.into()], keys).build()
    }

    /// Verifies `token` (without the `Bearer ` prefix) and returns its [`Claims`].
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] saying why the token is not acceptable, or
    /// [`VerifyError::KeysUnavailable`] if the issuer's keys could not be fetched.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_as(token).await
    }

    /// Like [`verify`](Self::verify), but deserializes the payload into your own type. The
    /// registered claims are checked whatever `T` contains.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify); [`VerifyError::InvalidClaims`] if the payload does not
    /// deserialize into `T`.
    pub async fn verify_as<T: DeserializeOwned>(&self, token: &str) -> Result<T, VerifyError> {
        let inner = &self.inner;
        let parsed = token::parse(token, inner.max_token_bytes)?;
        token::check_type(&parsed.header)?;
        let alg = JwtAlgorithm::from_str(&parsed.header.alg).map_err(|_| {
            VerifyError::AlgorithmNotAllowed {
                alg: parsed.header.alg.clone(),
            }
        })?;

        let keys = self.keys_for(&parsed.header).await?;
        let candidates = select(&keys, &parsed.header, alg)?;
        let valid = candidates.iter().any(|key| {
            jsonwebtoken::crypto::verify(
                parsed.signature,
                parsed.signing_input.as_bytes(),
                &key.key,
                key.alg,
            )
            .unwrap_or(false)
        });
        if !valid {
            return Err(VerifyError::InvalidSignature);
        }

        let now = clock::unix_seconds(inner.clock.now());
        token::check_claims(
            &parsed.payload,
            &Expectations {
                issuer: &inner.issuer,
                audiences: &inner.audiences,
                now,
                leeway: inner.leeway,
            },
        )?;
        serde_json::from_slice(&parsed.payload).map_err(VerifyError::InvalidClaims)
    }

    /// Fetches the JWKS now (for a remote source; a no-op otherwise), for example at startup
    /// to fail fast. Ignores the cooldown of a previous failure, but shares a fetch already
    /// in progress.
    ///
    /// # Errors
    ///
    /// The [`FetchError`] if the fetch failed; the previously cached keys stay in use.
    pub async fn refresh_keys(&self) -> Result<(), FetchError> {
        match &self.inner.keys {
            KeyStore::Static(_) => Ok(()),
            KeyStore::Remote(remote) => {
                let clock = &*self.inner.clock;
                let seen = remote.snapshot_generation();
                remote
                    .refresh(clock, Trigger::Explicit, seen)
                    .await
                    .map(|_| ())
            }
        }
    }

    /// The key snapshot to verify `header` with; refetches a remote JWKS once (subject to
    /// the cooldown) if the `kid` is unknown.
    async fn keys_for(&self, header: &Header) -> Result<Arc<KeySet>, VerifyError> {
        let remote = match &self.inner.keys {
            KeyStore::Static(set) => return Ok(Arc::clone(set)),
            KeyStore::Remote(remote) => remote,
        };
        let clock = &*self.inner.clock;
        let set = remote.snapshot(clock).await?;
        if !matches!(set.lookup(header.kid.as_deref()), Lookup::Unknown) {
            return Ok(set);
        }
        match remote
            .refresh(clock, Trigger::UnknownKid, set.generation)
            .await
        {
            Ok(newer) => Ok(newer),
            // The fetch failed: answer with the keys we have (the kid stays unknown).
            Err(_) => Ok(set),
        }
    }
}

/// The keys of `set` that may verify a token with this header: the `kid` matches and the
/// key's own algorithm is the header's.
fn select<'k>(
    set: &'k KeySet,
    header: &Header,
    alg: JwtAlgorithm,
) -> Result<Vec<&'k VerifyKey>, VerifyError> {
    match set.lookup(header.kid.as_deref()) {
        Lookup::Found(keys) => {
            let allowed: Vec<&VerifyKey> = keys.into_iter().filter(|k| k.alg == alg).collect();
            if allowed.is_empty() {
                return Err(VerifyError::AlgorithmNotAllowed {
                    alg: header.alg.clone(),
                });
            }
            Ok(allowed)
        }
        Lookup::NoKid => Err(VerifyError::MissingKeyId),
        Lookup::Unknown => Err(VerifyError::UnknownKey {
            kid: header.kid.clone().unwrap_or_default(),
        }),
    }
}

/// Configures a [`Verifier`]; start with [`Verifier::builder`].
pub struct VerifierBuilder {
    issuer: String,
    audiences: Vec<String>,
    source: KeySource,
    leeway: Duration,
    max_token_bytes: usize,
    clock: Option<Arc<dyn Clock>>,
    policy: RefreshPolicy,
    fetcher: Option<Arc<dyn JwksFetcher>>,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("source", &self.source)
            .field("leeway", &self.leeway)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("clock", &self.clock)
            .field("policy", &self.policy)
            .field("custom_fetcher", &self.fetcher.is_some())
            .finish()
    }
}

impl VerifierBuilder {
    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 30 s). Whole seconds.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Largest accepted token in bytes (default 8 KiB); longer tokens are refused unparsed.
    #[must_use]
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// The time source (default [`SystemClock`]).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// When a remote JWKS is refetched, and the default fetcher's limits.
    #[must_use]
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Fetches a remote JWKS with `fetcher` instead of the default [`ReqwestFetcher`].
    #[must_use]
    pub fn fetcher(mut self, fetcher: impl JwksFetcher + 'static) -> Self {
        self.fetcher = Some(Arc::new(fetcher));
        self
    }

    /// Checks the configuration and parses static keys.
    ///
    /// # Errors
    ///
    /// A [`BuildError`]: empty issuer or audience, a static key that cannot be used, an
    /// insecure JWKS URL, no fetcher for a remote source, or no crypto provider.
    // On wasm32 nothing is `Send`; one `Arc` code path is simpler than an `Rc` twin.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<Verifier, BuildError> {
        ensure_crypto_provider()?;
        if self.issuer.is_empty() {
            return Err(BuildError::EmptyIssuer);
        }
        if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
            return Err(BuildError::NoAudience);
        }
        let keys = match self.source {
            KeySource::Jwks(set) => KeyStore::Static(Arc::new(KeySet {
                keys: keys::keys_from_jwk_set(&set)?,
                ..KeySet::default()
            })),
            KeySource::StaticPem(pems) => KeyStore::Static(Arc::new(KeySet {
                keys: keys::keys_from_pems(&pems)?,
                ..KeySet::default()
            })),
            KeySource::RemoteJwks(url) => {
                if !fetch::is_acceptable_jwks_url(&url) {
                    return Err(BuildError::InsecureJwksUrl { url });
                }
                let fetcher = match self.fetcher {
                    Some(fetcher) => fetcher,
                    None => default_fetcher(&self.policy)?,
                };
                KeyStore::Remote(RemoteKeys::new(url, fetcher, self.policy))
            }
        };
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                audiences: self.audiences,
                leeway,
                max_token_bytes: self.max_token_bytes,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                keys,
            }),
        })
    }
}

#[cfg(feature = "remote-jwks")]
fn default_fetcher(policy: &RefreshPolicy) -> Result<Arc<dyn JwksFetcher>, BuildError> {
    Ok(Arc::new(ReqwestFetcher::new(policy)?))
}

#[cfg(not(feature = "remote-jwks"))]
fn default_fetcher(_policy: &RefreshPolicy) -> Result<Arc<dyn JwksFetcher>, BuildError> {
    Err(BuildError::NoFetcher)
}

/// Makes sure `jsonwebtoken` has a crypto provider: the one its features select, else (both
/// backends enabled) the native one.
fn ensure_crypto_provider() -> Result<(), BuildError> {
    use jsonwebtoken::crypto::CryptoProvider;
    if CryptoProvider::try_get_default().is_some() {
        return Ok(());
    }
    #[cfg(feature = "native")]
    {
        // Losing a race against another installer is fine: some provider is installed.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    }
    CryptoProvider::try_get_default()
        .map(|_| ())
        .ok_or(BuildError::NoCryptoProvider)
}
