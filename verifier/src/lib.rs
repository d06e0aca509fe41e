//! Verify JWT access tokens issued by our auth server, or any issuer that publishes a JWKS.
//!
//! Build one [`Verifier`] at startup from the issuer, the audiences you accept and a
//! [`KeySource`], share it (it is cheap to clone), and call [`Verifier::verify`] for every
//! request. It returns typed [`Claims`], or a [`VerifyError`] saying why the token was refused;
//! [`Verifier::verify_as`] returns your own claims type instead. Setup mistakes are
//! [`BuildError`]s, at build time.
//!
//! ```
//! # use base64::Engine as _;
//! # use ed25519_dalek::Signer as _;
//! # let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
//! # let signing = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
//! # let jwks = serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "2025-01",
//! #     "alg": "EdDSA", "use": "sig", "x": b64(&signing.verifying_key().to_bytes())}]}).to_string();
//! # let now = 1_750_000_000;
//! # let header = serde_json::json!({"alg": "EdDSA", "kid": "2025-01", "typ": "at+jwt"});
//! # let claims = serde_json::json!({"iss": "https://auth.example.com", "sub": "user-1",
//! #     "aud": "my-client-id", "exp": now + 3600, "iat": now, "roles": ["admin"]});
//! # let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
//! # let token = format!("{input}.{}", b64(&signing.sign(input.as_bytes()).to_bytes()));
//! # let block_on = |f| tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f);
//! # block_on(async {
//! use verifier::{KeySource, ManualClock, Verifier, VerifyError};
//!
//! // In production: KeySource::jwks_url("https://auth.example.com/.well-known/jwks.json"),
//! // and no clock (the system clock is the default).
//! let verifier = Verifier::builder(
//!     "https://auth.example.com",
//!     ["my-client-id"],
//!     KeySource::jwks_json(&jwks)?,
//! )
//! .clock(ManualClock::at_unix(now))
//! .build()?;
//!
//! let claims = verifier.verify(&token).await?;
//! assert_eq!(claims.sub, "user-1");
//! assert!(claims.has_role("admin"));
//!
//! let (signed, _) = token.rsplit_once('.').unwrap();
//! let forged = format!("{signed}.{}", "A".repeat(86));
//! assert!(matches!(verifier.verify(&forged).await, Err(VerifyError::InvalidSignature)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # What is checked
//!
//! In this order: size (8 KiB by default), compact form (three non-empty unpadded base64url
//! segments), the header (no repeated member, no `crit`, no `b64: false`, no `zip`, no
//! nested `cty: JWT`), `typ` (`at+jwt` by default, RFC 8725bis normalisation), the key by
//! `kid` and the one algorithm that key allows, the signature, then the claims: no repeated
//! member, `iss` exact, `exp` (required; `exp == now` is expired), `nbf`, `iat` not in the
//! future (30 s leeway by default), `aud` (string or array) against your audiences, and if
//! configured the authorised parties (`azp`, else `client_id`) and the RFC 9068 profile
//! ([`VerifierBuilder::rfc9068`]). Date claims must be numbers.
//!
//! # Key sources and caching
//!
//! [`KeySource::RemoteJwks`] fetches the JWKS on first use and caches the parsed keys.
//! Keys are refreshed in the background a minute before they reach
//! [`RefreshPolicy::max_age`] (10 min) when a spawner is available (tokio with
//! `remote-jwks`, `spawn_local` with `wasm`), else by the first request after it. A token
//! whose `kid` is unknown triggers one refetch, at most once per [`RefreshPolicy::cooldown`]
//! (30 s), so signing-key rotation needs no restart. Concurrent callers share one fetch. If
//! the issuer is down, the last good keys stay in use up to [`RefreshPolicy::max_stale`]
//! (1 h). Keys that cannot be parsed, or whose `alg`, `use`, `key_ops` or `crv` do not fit,
//! are skipped without failing the set; keys sharing a `kid` are dropped. Verification reads
//! the current set without a lock, and keys are parsed once per fetch.
//!
//! [`KeySource::Jwks`], [`KeySource::StaticPem`] and [`KeySource::StaticJwk`] verify without
//! any network.
//!
//! # Features
//!
//! - `native` (default): the aws-lc-rs crypto backend.
//! - `rust-crypto`: the RustCrypto backend, for wasm32 (`native` wins if both are on).
//! - `remote-jwks` (default): [`ReqwestFetcher`] and tokio background refresh. Without it,
//!   pass your own [`JwksFetcher`] (any async closure) to use a remote JWKS.
//! - `rustls-tls` (default): HTTPS for `remote-jwks`.
//! - `axum`: the [`axum`](crate::axum) extractor and layers.
//! - `wasm`: a `Date.now()` [`SystemClock`] and `spawn_local` refresh on wasm32.
//!
//! Algorithms: RS256/384/512, PS256/384/512, ES256, ES384 and EdDSA (Ed25519).
//!
//! # Security
//!
//! - The algorithm comes from the key, never from the token alone: a JWK's `alg`, else its
//!   curve (EC, OKP) or RS256 (RSA); a PEM key's configured algorithm. A token whose header
//!   `alg` differs is refused, which rules out `none` in any spelling and HMAC with a public
//!   key. Symmetric (`oct`) keys, encryption keys and RSA keys under 2048 bits are never
//!   loaded.
//! - Keys come only from the configured source: the `jku`, `x5u`, `jwk` and `x5c` header
//!   parameters are never read.
//! - A remote JWKS URL must be `https://` (plain `http://` only for loopback hosts); only a
//!   `200` response is accepted, redirects are not followed, and the body is capped.
//! - `typ` must be `at+jwt` by default (RFC 9068), so an ID token or another JWT signed by
//!   the same issuer is not accepted as an access token. Turning that off
//!   ([`VerifierBuilder::insecure_skip_type_check`]) or the audience check
//!   ([`VerifierBuilder::insecure_accept_any_audience`]) is possible only by those names.
//! - Always configure the audience of *your* API or client: a token minted for another
//!   client of the same issuer is refused only by the `aud` check.
//! - A signature-valid token is not necessarily current: the verifier cannot see session
//!   revocation. Keep access tokens short-lived.
//! - Error messages never contain the token; the `kid` in [`VerifyError::UnknownKey`] is
//!   attacker-chosen, so log it with `{:?}`.

#![warn(missing_docs)]

mod alg;
pub mod backend;
mod cache;
mod claims;
mod clock;
mod der;
mod error;
mod fetch;
mod keys;
mod token;

#[cfg(feature = "axum")]
pub mod axum;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;

pub use crate::alg::{Algorithm, UnknownAlgorithm};
pub use crate::cache::BackgroundTask;
use crate::claims::ClaimsExtra;
pub use crate::claims::{Audience, Claims};
pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::error::{BuildError, FetchError, KeyError, Malformed, VerifyError};
#[cfg(feature = "remote-jwks")]
pub use crate::fetch::ReqwestFetcher;
pub use crate::fetch::{FetchFuture, JwksFetcher, MaybeSend, MaybeSendSync, RefreshPolicy};
pub use crate::keys::{KeySource, PemKey};

use crate::cache::{Freshness, KeyStore, RemoteKeys, Spawner, Trigger};
use crate::keys::{KeySet, Lookup};
use crate::token::{Expectations, Header, Parts, Required};

/// Default largest accepted token, in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default clock-skew allowance for `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// Default expected `typ` (RFC 9068 access tokens).
pub const DEFAULT_TOKEN_TYPE: &str = "at+jwt";

/// Verifies access tokens for one issuer. Cheap to clone; clones share the key cache.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    /// `None` only after `insecure_accept_any_audience`.
    audiences: Option<Vec<String>>,
    authorized_parties: Option<Vec<String>>,
    required: Required,
    /// Normalized (`application/` prefix removed); `None` after `insecure_skip_type_check`.
    token_type: Option<String>,
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
            .field("authorized_parties", &inner.authorized_parties)
            .field("token_type", &inner.token_type)
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
            any_audience: false,
            authorized_parties: None,
            required: Required::default(),
            token_type: Some(DEFAULT_TOKEN_TYPE.to_owned()),
            source: keys,
            leeway: DEFAULT_LEEWAY,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            clock: None,
            policy: RefreshPolicy::default(),
            fetcher: None,
            spawner: None,
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
        let now = self.inner.clock.now();
        let payload = self.verify_signature(token, now).await?;
        // One pass over the payload: the registered claims and the rest of `Claims`.
        let checked = token::check_claims::<ClaimsExtra>(&payload, &self.expectations(now))?;
        Claims::from_checked(checked)
    }

    /// Like [`verify`](Self::verify), but deserializes the payload into your own type. The
    /// registered claims are checked whatever `T` contains.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify); [`VerifyError::InvalidClaims`] if the payload does not
    /// deserialize into `T`.
    pub async fn verify_as<T: DeserializeOwned>(&self, token: &str) -> Result<T, VerifyError> {
        let now = self.inner.clock.now();
        let payload = self.verify_signature(token, now).await?;
        token::check_claims::<()>(&payload, &self.expectations(now))?;
        serde_json::from_slice(&payload).map_err(VerifyError::InvalidClaims)
    }

    /// What the registered claims are checked against at `now`.
    fn expectations(&self, now: SystemTime) -> Expectations<'_> {
        let inner = &*self.inner;
        Expectations {
            issuer: &inner.issuer,
            audiences: inner.audiences.as_deref(),
            authorized_parties: inner.authorized_parties.as_deref(),
            required: inner.required,
            now: clock::unix_seconds(now),
            leeway: inner.leeway,
        }
    }

    /// Checks everything up to and including the signature (keys as of `now`); returns the
    /// decoded payload.
    async fn verify_signature(&self, token: &str, now: SystemTime) -> Result<Vec<u8>, VerifyError> {
        let inner = &*self.inner;
        let parts = token::split(token, inner.max_token_bytes)?;
        // Header and signature are short: decoded on the stack when they fit.
        let mut header_buf = [0; 256];
        let header_json = token::decode_small(parts.header, &mut header_buf, Malformed::Header)?;
        let header = Header::parse(&header_json)?;
        if let Some(typ) = &inner.token_type {
            header.check_type(typ)?;
        }
        let alg =
            Algorithm::from_name(header.alg()).ok_or_else(|| VerifyError::AlgorithmNotAllowed {
                alg: header.alg().to_owned(),
            })?;
        // Signatures up to RSA-4096 on the stack.
        let mut signature_buf = [0; 512];
        let signature =
            token::decode_small(parts.signature, &mut signature_buf, Malformed::Signature)?;
        match &inner.keys {
            KeyStore::Static(set) => check_signature(set, &header, alg, &parts, &signature)?,
            KeyStore::Remote(remote) => {
                // Fast path: the current snapshot, without a lock or an `Arc` clone.
                let fast = {
                    let set = remote.current.load();
                    match remote.freshness(&set, now) {
                        Freshness::Stale => None,
                        freshness => {
                            if freshness == Freshness::RefreshSoon {
                                remote.refresh_in_background(set.generation);
                            }
                            match set.lookup(header.kid(), alg) {
                                Lookup::Unknown => None,
                                found => Some(check_found(found, &header, alg, &parts, &signature)),
                            }
                        }
                    }
                };
                match fast {
                    Some(result) => result?,
                    None => {
                        let set = remote.keys_for(header.kid(), alg).await?;
                        check_signature(&set, &header, alg, &parts, &signature)?;
                    }
                }
            }
        }
        token::decode(parts.payload, Malformed::Payload)
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
                let seen = remote.current.load().generation;
                remote.refresh(Trigger::Explicit, seen).await.map(|_| ())
            }
        }
    }
}

/// Finds the key for the token and checks the signature with it.
#[inline]
fn check_signature(
    set: &KeySet,
    header: &Header<'_>,
    alg: Algorithm,
    parts: &Parts<'_>,
    signature: &[u8],
) -> Result<(), VerifyError> {
    check_found(set.lookup(header.kid(), alg), header, alg, parts, signature)
}

/// Checks the signature with the key `lookup` found, or says why there is none.
#[inline]
fn check_found(
    lookup: Lookup<'_>,
    header: &Header<'_>,
    alg: Algorithm,
    parts: &Parts<'_>,
    signature: &[u8],
) -> Result<(), VerifyError> {
    match lookup {
        Lookup::Found(key) => {
            if key.key.verify(parts.signing_input.as_bytes(), signature) {
                Ok(())
            } else {
                Err(VerifyError::InvalidSignature)
            }
        }
        Lookup::WrongAlgorithm => Err(VerifyError::AlgorithmNotAllowed {
            alg: alg.name().to_owned(),
        }),
        Lookup::Ambiguous => Err(VerifyError::MissingKeyId),
        Lookup::Unknown => Err(VerifyError::UnknownKey {
            kid: header.kid().unwrap_or_default().to_owned(),
        }),
    }
}

/// Configures a [`Verifier`]; start with [`Verifier::builder`].
pub struct VerifierBuilder {
    issuer: String,
    audiences: Vec<String>,
    any_audience: bool,
    authorized_parties: Option<Vec<String>>,
    required: Required,
    token_type: Option<String>,
    source: KeySource,
    leeway: Duration,
    max_token_bytes: usize,
    clock: Option<Arc<dyn Clock>>,
    policy: RefreshPolicy,
    fetcher: Option<Arc<dyn JwksFetcher>>,
    spawner: Option<Spawner>,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("any_audience", &self.any_audience)
            .field("authorized_parties", &self.authorized_parties)
            .field("required", &self.required)
            .field("token_type", &self.token_type)
            .field("source", &self.source)
            .field("leeway", &self.leeway)
            .field("max_token_bytes", &self.max_token_bytes)
            .field("clock", &self.clock)
            .field("policy", &self.policy)
            .field("custom_fetcher", &self.fetcher.is_some())
            .field("custom_spawner", &self.spawner.is_some())
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

    /// The expected `typ` header (default `at+jwt`). Compared ignoring case and an
    /// `application/` prefix; a token without `typ` is refused.
    #[must_use]
    pub fn token_type(mut self, typ: &str) -> Self {
        self.token_type = Some(token::normalize_type(typ).to_owned());
        self
    }

    /// Accepts any `typ`, or none. Only for issuers that do not type their tokens: an ID
    /// token from the same issuer then passes as an access token.
    #[must_use]
    pub fn insecure_skip_type_check(mut self) -> Self {
        self.token_type = None;
        self
    }

    /// Accepts tokens whatever their `aud` (which must still be present). Pass no audiences
    /// to [`Verifier::builder`] with this. Any token the issuer minted for any client then
    /// works against your API.
    #[must_use]
    pub fn insecure_accept_any_audience(mut self) -> Self {
        self.any_audience = true;
        self
    }

    /// Requires `azp`, else `client_id`, to be one of `parties` (the clients allowed to call
    /// this API).
    #[must_use]
    pub fn authorized_parties<P: Into<String>>(
        mut self,
        parties: impl IntoIterator<Item = P>,
    ) -> Self {
        self.authorized_parties = Some(parties.into_iter().map(Into::into).collect());
        self
    }

    /// The RFC 9068 profile: `typ` `at+jwt` and the claims `iss`, `exp`, `aud`, `sub`,
    /// `client_id`, `iat` and `jti` all required.
    #[must_use]
    pub fn rfc9068(mut self) -> Self {
        self.token_type = Some(DEFAULT_TOKEN_TYPE.to_owned());
        self.required = Required {
            sub: true,
            iat: true,
            jti: true,
            client_id: true,
        };
        self
    }

    /// The time source (default [`SystemClock`]).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// When a remote JWKS is refetched, and the fetch limits.
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

    /// Runs background JWKS refreshes with `spawn` (default: the current tokio runtime with
    /// `remote-jwks`, `spawn_local` with `wasm`). Without a spawner, keys are refreshed when
    /// they reach `max_age`, by the request that notices.
    #[must_use]
    pub fn spawner(mut self, spawn: impl Fn(BackgroundTask) + MaybeSendSync + 'static) -> Self {
        self.spawner = Some(Arc::new(spawn));
        self
    }

    /// Checks the configuration and parses static keys.
    ///
    /// # Errors
    ///
    /// A [`BuildError`]: empty issuer or audience, a static key that cannot be used, an
    /// insecure JWKS URL, or no fetcher for a remote source.
    // On wasm32 nothing is `Send`; one `Arc` code path is simpler than an `Rc` twin.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<Verifier, BuildError> {
        if self.issuer.is_empty() {
            return Err(BuildError::EmptyIssuer);
        }
        let audiences = if self.any_audience {
            if !self.audiences.is_empty() {
                return Err(BuildError::ConflictingAudience);
            }
            None
        } else {
            if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
                return Err(BuildError::NoAudience);
            }
            Some(self.audiences)
        };
        if let Some(parties) = &self.authorized_parties
            && (parties.is_empty() || parties.iter().any(String::is_empty))
        {
            return Err(BuildError::EmptyAuthorizedParty);
        }
        let clock = match self.clock {
            Some(clock) => clock,
            None => default_clock()?,
        };
        let keys = match self.source {
            KeySource::RemoteJwks(url) => {
                if !fetch::is_acceptable_jwks_url(&url) {
                    return Err(BuildError::InsecureJwksUrl { url });
                }
                let fetcher = match self.fetcher {
                    Some(fetcher) => fetcher,
                    None => default_fetcher(&self.policy)?,
                };
                let spawner = self.spawner.or_else(default_spawner);
                KeyStore::Remote(Arc::new(RemoteKeys::new(
                    url,
                    fetcher,
                    self.policy,
                    Arc::clone(&clock),
                    spawner,
                )))
            }
            source => KeyStore::Static(keys::static_keys(&source)?),
        };
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                audiences,
                authorized_parties: self.authorized_parties,
                required: self.required,
                token_type: self.token_type,
                leeway,
                max_token_bytes: self.max_token_bytes,
                clock,
                keys,
            }),
        })
    }
}

#[cfg(any(not(target_arch = "wasm32"), feature = "wasm"))]
#[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
fn default_clock() -> Result<Arc<dyn Clock>, BuildError> {
    Ok(Arc::new(SystemClock))
}

#[cfg(all(target_arch = "wasm32", not(feature = "wasm")))]
fn default_clock() -> Result<Arc<dyn Clock>, BuildError> {
    Err(BuildError::NoClock)
}

#[cfg(feature = "remote-jwks")]
fn default_fetcher(policy: &RefreshPolicy) -> Result<Arc<dyn JwksFetcher>, BuildError> {
    Ok(Arc::new(ReqwestFetcher::new(policy)?))
}

#[cfg(not(feature = "remote-jwks"))]
fn default_fetcher(_policy: &RefreshPolicy) -> Result<Arc<dyn JwksFetcher>, BuildError> {
    Err(BuildError::NoFetcher)
}

/// tokio natively (when a runtime is current at the time of the refresh), `spawn_local` in
/// wasm with the `wasm` feature, else none.
fn default_spawner() -> Option<Spawner> {
    #[cfg(all(not(target_arch = "wasm32"), feature = "tokio"))]
    {
        Some(Arc::new(|task: BackgroundTask| {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                drop(handle.spawn(task));
            }
        }))
    }
    #[cfg(all(target_arch = "wasm32", feature = "wasm"))]
    {
        #[allow(clippy::arc_with_non_send_sync)]
        Some(Arc::new(wasm_bindgen_futures::spawn_local))
    }
    #[cfg(not(any(
        all(not(target_arch = "wasm32"), feature = "tokio"),
        all(target_arch = "wasm32", feature = "wasm")
    )))]
    {
        None
    }
}
