//! Sign-in through OpenID Connect providers: social login (Google and any OIDC provider,
//! configured per client) and enterprise SSO (an organization's connection, found from the
//! email domain).
//!
//! The server is the relying party (the `openidconnect` crate): the authorize step stores a
//! flow (our `state`, `nonce` and PKCE verifier toward the provider, plus the widget's PKCE
//! challenge, redirect URI and `state`) and sends the browser to the provider; the callback
//! takes the flow once, exchanges the provider's code, checks the ID token (signature by the
//! provider's JWKS, `iss`, `aud`, `nonce`, expiry against the injected clock), links or creates
//! the user and ends like every other method: a single-use authorization code bound to the
//! widget's PKCE challenge, with `amr: ["fed"]`.
//!
//! # Account linking
//! - An email whose domain belongs to an organization with an SSO connection is only accepted
//!   from that connection: any other provider gets `sso_required`, whether it would link, make
//!   a new user or sign in a known identity.
//! - A known identity (issuer + `sub`) signs in its user.
//! - A new identity whose email the provider marks `email_verified: true` links to the user
//!   with that email when that user's email is verified too.
//! - An email that an existing user has, but that either side has not verified, is refused
//!   (`unverified_email`): never linked silently.
//! - Otherwise a new user is made (and `user.created` audited). An unverified email is kept on
//!   the identity only, not on the user, so nobody can reserve someone else's address through a
//!   careless provider. The user and its identity are stored in one transaction; a concurrent
//!   callback for the same identity or email is seen on a second look, not as an error.
//! - The Google preset's `email_verified` counts only for `gmail.com`/`googlemail.com`
//!   addresses, or when the token's `hd` (Workspace domain) is the email's domain; any other
//!   address from Google is treated as unverified. A generic `oidc` provider's
//!   `email_verified` is taken as it is: register only providers you trust for that.
//!
//! # Organizations
//! An organization owns email domains and has one OIDC connection, usable by every client
//! (addressed by the organization id in the authorize path). Its connection may only sign in
//! emails of its own domains (`email_domain_mismatch` otherwise) that it marks verified
//! (`unverified_email` otherwise), and the tokens carry `org_id`.
//!
//! # Limits
//! Authorize is limited to [`AUTHORIZE_PER_IP_MINUTE`] per IP; flows past their expiry are
//! deleted as new ones start. ID tokens are checked against the injected clock, `iat` included
//! (at most [`IAT_SKEW`] ahead).
//!
//! Discovery documents and JWKS are cached per issuer for an hour (times from the injected
//! clock). Each issuer has its own single-flight slot, so a slow or unreachable provider only
//! delays sign-ins through that provider: a failed fetch is remembered for [`FAILURE_TTL`]
//! (requests in the meantime fail at once), and when a refresh fails the last good metadata
//! keeps being served. An ID token signed with an unknown `kid` refetches the JWKS, at most once
//! per [`KEYS_REFETCH_COOLDOWN`] per issuer.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdToken,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    JsonWebKeySet, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse as _,
};
use serde_json::json;

use crate::auth::{Auth, AuthError, check_challenge, normalize_email};
use crate::clock::UnixTime;
use crate::crypto;
use crate::store::{Client, FlowRow, IdentityRow, OrganizationRow, ProviderRow, UserRow};

/// Lifetime of a flow at the provider, seconds.
pub const FLOW_TTL: i64 = 600;
/// How long discovery documents and JWKS are cached, seconds.
pub const METADATA_TTL: i64 = 3600;
/// The Google preset's issuer.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// What a person is told whose email's organization has its own SSO connection.
pub const SSO_REQUIRED: &str = "This email's organization signs in with its own SSO. Enter the address on the sign-in page to continue there.";
/// The Google preset's scopes.
pub const DEFAULT_SCOPES: &str = "openid email profile";

/// How long a failed discovery of an issuer is remembered, seconds: requests in the meantime
/// get the last good metadata, or fail at once without contacting the provider.
pub const FAILURE_TTL: i64 = 30;
/// Least time between two JWKS fetches of one issuer caused by an unknown `kid`, seconds.
pub const KEYS_REFETCH_COOLDOWN: i64 = 30;
/// How far in the future an ID token's `iat` may be (clock skew), seconds.
pub const IAT_SKEW: i64 = 60;
/// Authorize requests per IP a minute.
pub const AUTHORIZE_PER_IP_MINUTE: i64 = 30;

/// The relying party's shared parts: an HTTP client that never follows redirects, and the
/// discovery cache.
#[derive(Debug, Clone)]
pub struct Federation {
    http: reqwest::Client,
    /// One slot per issuer. The map's lock is only held to find a slot (never across an
    /// `await`); a slot's lock is held across its fetch, so each issuer is fetched by one
    /// request at a time while other issuers go on.
    cache: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<CacheSlot>>>>>,
}

/// What is known about one issuer.
#[derive(Debug, Default)]
struct CacheSlot {
    /// The last good metadata (discovery + JWKS).
    metadata: Option<CoreProviderMetadata>,
    /// When `metadata` was discovered.
    fetched_at: UnixTime,
    /// When its JWKS was last fetched (discovery, or a refetch for an unknown `kid`).
    keys_fetched_at: UnixTime,
    /// The last failed discovery: when, and why (for the log).
    failure: Option<(UnixTime, String)>,
}

/// Whether `now` lies in `[since, since + ttl)`; a clock that went back counts as outside.
fn within(now: UnixTime, since: UnixTime, ttl: i64) -> bool {
    now >= since && now - since < ttl
}

impl Federation {
    /// A relying party with an empty cache.
    pub fn new() -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            http,
            cache: Arc::new(std::sync::Mutex::new(HashMap::new())),
        })
    }

    /// The cache slot of `issuer`, made on first use.
    fn slot(&self, issuer: &str) -> Arc<tokio::sync::Mutex<CacheSlot>> {
        let mut map = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(map.entry(issuer.to_owned()).or_default())
    }
}

/// What `provider add` / `org create` register.
#[derive(Debug, Clone, Default)]
pub struct NewProvider {
    /// `google` or `oidc`.
    pub preset: String,
    /// Issuer URL; the preset's when `None` (required for `oidc`).
    pub issuer: Option<String>,
    /// Our client id at the provider.
    pub oidc_client_id: String,
    /// Our client secret at the provider (sealed before storing).
    pub oidc_client_secret: Option<crate::secret::SecretString>,
    /// Scopes; `openid email profile` when `None`.
    pub scopes: Option<String>,
    /// Button name; `Google` for the preset, else required.
    pub name: Option<String>,
}

/// Why a provider or organization could not be registered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Crypto failed.
    #[error("crypto: {0}")]
    Crypto(#[from] crypto::CryptoError),
}

/// A slug is 1 to 32 of `a-z 0-9 -` (never `org_…`, which names organizations).
pub fn valid_slug(slug: &str) -> bool {
    (1..=32).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_domain(domain: &str) -> bool {
    normalize_email(&format!("x@{domain}")).is_ok_and(|e| e == format!("x@{domain}"))
}

impl Auth {
    fn provider_row(
        &self,
        spec: &NewProvider,
        id: String,
        client_id: Option<String>,
        org_id: Option<String>,
        slug: String,
    ) -> Result<ProviderRow, SetupError> {
        let invalid = |m: &str| SetupError::Invalid(m.to_owned());
        let (kind, issuer, name) = match spec.preset.as_str() {
            "google" => (
                "google",
                spec.issuer.clone().unwrap_or_else(|| GOOGLE_ISSUER.into()),
                spec.name.clone().unwrap_or_else(|| "Google".into()),
            ),
            "oidc" => (
                "oidc",
                spec.issuer
                    .clone()
                    .ok_or_else(|| invalid("--issuer is required for an oidc provider"))?,
                spec.name
                    .clone()
                    .ok_or_else(|| invalid("--name is required for an oidc provider"))?,
            ),
            _ => return Err(invalid("the preset must be google or oidc")),
        };
        // Kept exactly as given: discovery checks that the provider's `issuer` is this very
        // string (a trailing `/`, as Auth0 has, must stay).
        let issuer = issuer.trim().to_owned();
        let parsed =
            url::Url::parse(&issuer).map_err(|_| invalid("the issuer must be an absolute URL"))?;
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback))
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(invalid(
                "the issuer must be an https URL (http only on loopback) without query or fragment",
            ));
        }
        if spec.oidc_client_id.trim().is_empty() {
            return Err(invalid("--oidc-client-id is required"));
        }
        if name.trim().is_empty() {
            return Err(invalid("the name must not be empty"));
        }
        let scopes = spec.scopes.clone().unwrap_or_else(|| DEFAULT_SCOPES.into());
        if !scopes.split_whitespace().any(|s| s == "openid") {
            return Err(invalid("the scopes must include openid"));
        }
        let secret = match &spec.oidc_client_secret {
            Some(s) => Some(self.master.seal(&*self.rng, s.expose().as_bytes())?),
            None => None,
        };
        Ok(ProviderRow {
            id,
            client_id,
            org_id,
            slug,
            kind: kind.to_owned(),
            name: name.trim().to_owned(),
            issuer,
            oidc_client_id: spec.oidc_client_id.trim().to_owned(),
            oidc_client_secret: secret,
            scopes: scopes.split_whitespace().collect::<Vec<_>>().join(" "),
        })
    }

    /// Adds (or replaces) a client's social provider.
    pub async fn add_provider(
        &self,
        client_id: &str,
        slug: &str,
        spec: &NewProvider,
    ) -> Result<ProviderRow, SetupError> {
        if !valid_slug(slug) {
            return Err(SetupError::Invalid(
                "the slug must be 1 to 32 of a-z, 0-9 and -".into(),
            ));
        }
        if self.store.client(client_id).await?.is_none() {
            return Err(SetupError::Invalid(format!("no client {client_id:?}")));
        }
        let id = crypto::random_id(&*self.rng, "idp")?;
        let row = self.provider_row(spec, id, Some(client_id.to_owned()), None, slug.to_owned())?;
        self.store.upsert_provider(&row, self.now()).await?;
        self.store
            .client_provider(client_id, slug)
            .await?
            .ok_or_else(|| SetupError::Invalid("the provider was not stored".into()))
    }

    /// Creates an organization with its email domains and its OIDC connection.
    pub async fn create_organization(
        &self,
        name: &str,
        domains: &[String],
        spec: &NewProvider,
    ) -> Result<OrganizationRow, SetupError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(SetupError::Invalid("an organization needs a name".into()));
        }
        let domains: Vec<String> = domains.iter().map(|d| d.trim().to_lowercase()).collect();
        if domains.is_empty() {
            return Err(SetupError::Invalid("give at least one --domain".into()));
        }
        if let Some(bad) = domains.iter().find(|d| !valid_domain(d)) {
            return Err(SetupError::Invalid(format!("{bad:?} is not a domain")));
        }
        for domain in &domains {
            if self.store.organization_by_domain(domain).await?.is_some() {
                return Err(SetupError::Invalid(format!(
                    "{domain} already belongs to an organization"
                )));
            }
        }
        let org = OrganizationRow {
            id: crypto::random_id(&*self.rng, "org")?,
            name: name.to_owned(),
        };
        let mut spec = spec.clone();
        if spec.name.is_none() {
            spec.name = Some(name.to_owned());
        }
        let row = self.provider_row(
            &spec,
            crypto::random_id(&*self.rng, "idp")?,
            None,
            Some(org.id.clone()),
            org.id.clone(),
        )?;
        let now = self.now();
        self.store.insert_organization(&org, &domains, now).await?;
        self.store.upsert_provider(&row, now).await?;
        Ok(org)
    }

    /// The SSO connection for an email's domain: `(provider path id, organization)`.
    pub async fn sso_lookup(&self, email: &str) -> Result<Option<(String, String)>, AuthError> {
        let email = normalize_email(email)?;
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        let Some(org) = self.store.organization_by_domain(domain).await? else {
            return Ok(None);
        };
        if self.store.org_provider(&org.id).await?.is_none() {
            return Ok(None);
        }
        Ok(Some((org.id, org.name)))
    }

    /// The provider a path segment names for this client: a slug of the client's social
    /// providers, or an organization id (connections are usable by every client).
    async fn resolve_provider(
        &self,
        client: &Client,
        provider: &str,
    ) -> Result<ProviderRow, AuthError> {
        let found = if provider.starts_with("org_") {
            self.store.org_provider(provider).await?
        } else if valid_slug(provider) {
            self.store.client_provider(&client.id, provider).await?
        } else {
            None
        };
        found.ok_or(AuthError::UnknownProvider)
    }

    /// The path segment that names a provider (slug, or organization id).
    fn path_id(provider: &ProviderRow) -> &str {
        provider.org_id.as_deref().unwrap_or(&provider.slug)
    }

    fn callback_url(&self, provider: &ProviderRow) -> String {
        format!(
            "{}{}",
            self.issuer.trim_end_matches('/'),
            protocol::routes::oauth_callback(Self::path_id(provider))
        )
    }

    /// The provider's metadata (discovery + JWKS), cached for [`METADATA_TTL`] (see the module
    /// docs for failures). `refresh_keys` asks for a fresh JWKS (an unknown `kid`); it is
    /// fetched at most once per [`KEYS_REFETCH_COOLDOWN`].
    async fn metadata(
        &self,
        issuer: &str,
        refresh_keys: bool,
    ) -> Result<CoreProviderMetadata, AuthError> {
        let slot = self.oidc.slot(issuer);
        // Single flight per issuer: whoever holds the slot fetches; the others wait for the
        // result instead of fetching again. Other issuers are not affected.
        let mut slot = slot.lock().await;
        let now = self.now();
        if let Some(cached) = slot
            .metadata
            .clone()
            .filter(|_| within(now, slot.fetched_at, METADATA_TTL))
        {
            if !refresh_keys || within(now, slot.keys_fetched_at, KEYS_REFETCH_COOLDOWN) {
                return Ok(cached);
            }
            slot.keys_fetched_at = now;
            let jwks = JsonWebKeySet::fetch_async(cached.jwks_uri(), &self.oidc.http)
                .await
                .map_err(|e| AuthError::ProviderUnavailable(format!("JWKS of {issuer}: {e}")))?;
            let metadata = cached.set_jwks(jwks);
            slot.metadata = Some(metadata.clone());
            return Ok(metadata);
        }
        if let Some((failed_at, reason)) = &slot.failure
            && within(now, *failed_at, FAILURE_TTL)
        {
            return match &slot.metadata {
                Some(stale) => Ok(stale.clone()),
                None => Err(AuthError::ProviderUnavailable(format!(
                    "{reason} (cached failure)"
                ))),
            };
        }
        match self.discover(issuer).await {
            Ok(metadata) => {
                slot.metadata = Some(metadata.clone());
                slot.fetched_at = now;
                slot.keys_fetched_at = now;
                slot.failure = None;
                Ok(metadata)
            }
            Err(reason) => {
                slot.failure = Some((now, reason.clone()));
                match &slot.metadata {
                    Some(stale) => {
                        tracing::warn!(%issuer, error = %reason, "serving stale provider metadata");
                        Ok(stale.clone())
                    }
                    None => Err(AuthError::ProviderUnavailable(reason)),
                }
            }
        }
    }

    /// Fetches an issuer's discovery document and JWKS; `Err` is the reason, for the log.
    async fn discover(&self, issuer: &str) -> Result<CoreProviderMetadata, String> {
        let url = IssuerUrl::new(issuer.to_owned()).map_err(|e| format!("issuer {issuer}: {e}"))?;
        CoreProviderMetadata::discover_async(url, &self.oidc.http)
            .await
            .map_err(|e| format!("discovery of {issuer}: {e}"))
    }

    fn secret_of(&self, provider: &ProviderRow) -> Result<Option<ClientSecret>, AuthError> {
        match &provider.oidc_client_secret {
            Some(sealed) => {
                let plain = self.master.open(sealed)?;
                let text = String::from_utf8(plain)
                    .map_err(|_| AuthError::Internal("a provider secret is not UTF-8".into()))?;
                Ok(Some(ClientSecret::new(text)))
            }
            None => Ok(None),
        }
    }

    /// Starts a sign-in at a provider: checks the request, stores the flow and returns the
    /// provider's authorization URL.
    #[allow(clippy::too_many_arguments)]
    pub async fn start_federated(
        &self,
        client: &Client,
        provider: &str,
        code_challenge: &str,
        redirect_uri: &str,
        client_state: Option<&str>,
        login_hint: Option<&str>,
        ip: &str,
    ) -> Result<String, AuthError> {
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(AuthError::InvalidRedirectUri);
        }
        check_challenge(code_challenge)?;
        if client_state.is_some_and(|s| s.len() > 512) {
            return Err(AuthError::InvalidRequest("state is too long (512 at most)"));
        }
        if login_hint.is_some_and(|h| h.len() > 254) {
            return Err(AuthError::InvalidRequest("login_hint is too long"));
        }
        // Each authorize stores a flow and may contact the provider: limit it per IP.
        self.limit(
            &format!("oauth-authorize:ip:{ip}"),
            AUTHORIZE_PER_IP_MINUTE,
            60,
        )
        .await?;
        let provider = self.resolve_provider(client, provider).await?;
        let metadata = self.metadata(&provider.issuer, false).await?;
        let rp = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.oidc_client_id.clone()),
            None,
        )
        .set_redirect_uri(
            RedirectUrl::new(self.callback_url(&provider))
                .map_err(|e| AuthError::Internal(format!("callback URL: {e}")))?,
        );
        let now = self.now();
        let flow = FlowRow {
            state: crypto::random_token(&*self.rng, 32)?,
            provider_id: provider.id.clone(),
            client_id: client.id.clone(),
            nonce: crypto::random_token(&*self.rng, 32)?,
            pkce_verifier: crypto::random_token(&*self.rng, 32)?,
            code_challenge: code_challenge.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            client_state: client_state.map(str::to_owned),
            expires_at: now + FLOW_TTL,
            used_at: None,
        };
        let (state, nonce) = (flow.state.clone(), flow.nonce.clone());
        let mut request = rp
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scopes(
                provider
                    .scopes
                    .split_whitespace()
                    .filter(|s| *s != "openid")
                    .map(|s| Scope::new(s.to_owned())),
            )
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(
                &PkceCodeVerifier::new(flow.pkce_verifier.clone()),
            ));
        if let Some(hint) = login_hint.filter(|h| !h.is_empty()) {
            request = request.set_login_hint(LoginHint::new(hint.to_owned()));
        }
        let (url, _, _) = request.url();
        self.store.delete_stale_flows(now).await?;
        self.store.insert_flow(&flow, now).await?;
        self.audit(
            "login.federated_started",
            None,
            Some(&client.id),
            Some(ip),
            json!({ "provider": Self::path_id(&provider) }),
        )
        .await;
        Ok(url.to_string())
    }

    /// Finishes a sign-in at a provider. `Err` only when the callback matches no live flow
    /// (nowhere safe to send the browser: show an error page); otherwise the URL to send the
    /// browser to: the flow's redirect URI with `code` and `state`, or with `error`,
    /// `error_description` and `state`.
    pub async fn finish_federated(
        &self,
        provider_path: &str,
        query: &protocol::OAuthCallbackQuery,
        ip: &str,
    ) -> Result<String, AuthError> {
        let (flow, provider, client) = match self.live_flow(provider_path, query).await {
            Ok(found) => found,
            Err(e) => {
                if let AuthError::InvalidState(reason) = &e {
                    self.audit(
                        "login.federated_failed",
                        None,
                        None,
                        Some(ip),
                        json!({
                            "provider": provider_path,
                            "error": protocol::ErrorCode::InvalidState.as_str(),
                            "reason": reason,
                        }),
                    )
                    .await;
                }
                return Err(e);
            }
        };
        let outcome = self
            .complete_flow(&client, &provider, &flow, query, ip)
            .await;
        let mut url = url::Url::parse(&flow.redirect_uri)
            .map_err(|_| AuthError::Internal("a stored redirect_uri does not parse".into()))?;
        {
            let mut pairs = url.query_pairs_mut();
            match &outcome {
                Ok(code) => {
                    pairs.append_pair("code", code);
                }
                Err(e) => {
                    let (code, description) = redirect_error(e);
                    pairs.append_pair("error", code.as_str());
                    pairs.append_pair("error_description", &description);
                }
            }
            if let Some(s) = &flow.client_state {
                pairs.append_pair("state", s);
            }
        }
        match outcome {
            Ok(_) => {}
            Err(e) => {
                let (code, _) = redirect_error(&e);
                tracing::info!(error = %e, provider = %provider.id, "federated sign-in failed");
                self.audit(
                    "login.federated_failed",
                    None,
                    Some(&client.id),
                    Some(ip),
                    json!({ "provider": provider_path, "error": code.as_str() }),
                )
                .await;
            }
        }
        Ok(url.to_string())
    }

    /// The live flow a callback belongs to (taken: single use), its provider and client;
    /// [`AuthError::InvalidState`] when there is none.
    async fn live_flow(
        &self,
        provider_path: &str,
        query: &protocol::OAuthCallbackQuery,
    ) -> Result<(FlowRow, ProviderRow, Client), AuthError> {
        let state = query
            .state
            .as_deref()
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .ok_or(AuthError::InvalidState(
                "the provider's answer has no state",
            ))?;
        let now = self.now();
        let flow = self
            .store
            .take_flow(state, now)
            .await?
            .ok_or(AuthError::InvalidState(
                "this sign-in is unknown here; start again",
            ))?;
        if flow.used_at.is_some() {
            return Err(AuthError::InvalidState(
                "this sign-in was already completed; start again",
            ));
        }
        if flow.expires_at <= now {
            return Err(AuthError::InvalidState(
                "this sign-in took too long and expired; start again",
            ));
        }
        let provider = self
            .store
            .provider(&flow.provider_id)
            .await?
            .filter(|p| Self::path_id(p) == provider_path)
            .ok_or(AuthError::InvalidState(
                "this answer came back for another provider; start again",
            ))?;
        let client = self
            .store
            .client(&flow.client_id)
            .await?
            .ok_or(AuthError::InvalidState("the client no longer exists"))?;
        Ok((flow, provider, client))
    }

    async fn complete_flow(
        &self,
        client: &Client,
        provider: &ProviderRow,
        flow: &FlowRow,
        query: &protocol::OAuthCallbackQuery,
        ip: &str,
    ) -> Result<String, AuthError> {
        if let Some(error) = &query.error {
            let description = query
                .error_description
                .clone()
                .unwrap_or_else(|| error.clone());
            return Err(if error == "access_denied" {
                AuthError::AccessDenied(description)
            } else {
                AuthError::ProviderError(format!("{error}: {description}"))
            });
        }
        if let Some(iss) = &query.iss
            && issuer_key(iss) != issuer_key(&provider.issuer)
        {
            return Err(AuthError::ProviderError(
                "the answer names another issuer (RFC 9207)".into(),
            ));
        }
        let code = query
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| AuthError::ProviderError("the provider sent no code".into()))?;
        let metadata = self.metadata(&provider.issuer, false).await?;
        let rp = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.oidc_client_id.clone()),
            self.secret_of(provider)?,
        )
        .set_redirect_uri(
            RedirectUrl::new(self.callback_url(provider))
                .map_err(|e| AuthError::Internal(format!("callback URL: {e}")))?,
        );
        let response = rp
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| AuthError::ProviderError(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.oidc.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    AuthError::ProviderError(format!("the provider refused its code: {r}"))
                }
                other => AuthError::ProviderUnavailable(format!("token endpoint: {other}")),
            })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| AuthError::InvalidIdToken("the provider sent no ID token".into()))?;
        let claims = self
            .verify_id_token(provider, id_token, &flow.nonce)
            .await?;
        let (user, org) = self.link_identity(provider, &claims, client, ip).await?;
        let code = self
            .issue_auth_code_for_org(
                client,
                &user,
                &flow.code_challenge,
                &["fed"],
                org.as_deref(),
            )
            .await?;
        self.audit(
            "login.federated",
            Some(&user.id),
            Some(&client.id),
            Some(ip),
            json!({ "provider": Self::path_id(provider), "issuer": provider.issuer, "org_id": org }),
        )
        .await;
        Ok(code)
    }

    /// Checks an ID token from `provider`: signature by the provider's JWKS (RS/PS/ES
    /// algorithms only; refetched for an unknown `kid`, see [`KEYS_REFETCH_COOLDOWN`]), `iss`,
    /// `aud` (our client id at the provider), `nonce`, expiry and `iat` (at most [`IAT_SKEW`]
    /// in the future) against the injected clock.
    ///
    /// For the Google preset, `email_verified` only counts for `gmail.com`/`googlemail.com`
    /// addresses or when the token's `hd` (Google Workspace domain) is the email's domain:
    /// Google accounts can carry any address, and for other domains Google is not the
    /// authority on who owns it.
    pub async fn verify_id_token(
        &self,
        provider: &ProviderRow,
        id_token: &CoreIdToken,
        nonce: &str,
    ) -> Result<FederatedClaims, AuthError> {
        // Parsed again with the extra claims we read (`hd`); the same JWT.
        let id_token: FederatedIdToken = id_token
            .to_string()
            .parse()
            .map_err(|_| AuthError::InvalidIdToken("the ID token does not parse".into()))?;
        let mut refreshed = false;
        loop {
            let metadata = self.metadata(&provider.issuer, refreshed).await?;
            let rp = CoreClient::from_provider_metadata(
                metadata,
                ClientId::new(provider.oidc_client_id.clone()),
                None,
            );
            let now = self.now();
            let verifier = rp
                .id_token_verifier()
                .set_allowed_algs([
                    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
                    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
                    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
                    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
                ])
                .set_time_fn(move || chrono::DateTime::from_timestamp(now, 0).unwrap_or_default())
                .set_issue_time_verifier_fn(move |iat| {
                    if iat.timestamp() > now + IAT_SKEW {
                        Err(format!("{IAT_IN_FUTURE} ({iat})"))
                    } else {
                        Ok(())
                    }
                });
            match id_token.claims(&verifier, &Nonce::new(nonce.to_owned())) {
                Ok(claims) => {
                    let email = claims.email().map(|e| e.as_str().to_owned());
                    let hosted_domain = claims.additional_claims().hd.clone();
                    let email_verified = claims.email_verified() == Some(true)
                        && (provider.kind != "google"
                            || google_vouches_for(email.as_deref(), hosted_domain.as_deref()));
                    return Ok(FederatedClaims {
                        issuer: issuer_key(claims.issuer().as_str()).to_owned(),
                        subject: claims.subject().as_str().to_owned(),
                        email,
                        email_verified,
                        hosted_domain,
                    });
                }
                Err(ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                )) if !refreshed => refreshed = true,
                Err(e) => return Err(AuthError::InvalidIdToken(id_token_error(&e))),
            }
        }
    }

    /// Finds or makes the user behind a provider's claims (see the module docs). Refuses an
    /// email whose domain belongs to an organization unless `provider` is that organization's
    /// connection ([`AuthError::SsoRequired`]).
    async fn link_identity(
        &self,
        provider: &ProviderRow,
        claims: &FederatedClaims,
        client: &Client,
        ip: &str,
    ) -> Result<(UserRow, Option<String>), AuthError> {
        let email = claims
            .email
            .as_deref()
            .map(normalize_email)
            .transpose()
            .map_err(|_| AuthError::InvalidIdToken("the email claim is not an email".into()))?;
        let domain = email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_owned());
        let owner = match &domain {
            Some(d) => self.store.organization_by_domain(d).await?,
            None => None,
        };
        match (&provider.org_id, owner) {
            (Some(org_id), owner) => {
                if owner.is_none_or(|o| &o.id != org_id) {
                    return Err(AuthError::EmailDomainMismatch);
                }
                if !claims.email_verified {
                    return Err(AuthError::UnverifiedEmail(
                        "Your organization's sign-in has not verified your email address, so it cannot sign you in. Ask your administrator.",
                    ));
                }
            }
            // Checked whether or not the provider says the email is verified, and before a
            // known identity signs in: once an organization claims a domain, its people sign
            // in through its connection only.
            (None, Some(owner)) => {
                if self.store.org_provider(&owner.id).await?.is_some() {
                    return Err(AuthError::SsoRequired);
                }
            }
            (None, None) => {}
        }
        let org = provider.org_id.clone();
        // Two rounds: a concurrent callback may link the same identity (or take the email)
        // between our read and our write; the second round sees what it did.
        for _ in 0..2 {
            let now = self.now();
            if let Some(identity) = self.store.identity(&claims.issuer, &claims.subject).await? {
                let user = self
                    .store
                    .user(&identity.user_id)
                    .await?
                    .ok_or_else(|| AuthError::Internal("an identity's user is gone".into()))?;
                self.store
                    .touch_identity(&claims.issuer, &claims.subject, now)
                    .await?;
                return Ok((user, org));
            }
            let existing = match &email {
                Some(e) => self.store.user_by_email(e).await?,
                None => None,
            };
            let mut identity = IdentityRow {
                issuer: claims.issuer.clone(),
                subject: claims.subject.clone(),
                user_id: String::new(),
                provider_id: provider.id.clone(),
                email: email.clone(),
            };
            let (user, created) = match existing {
                Some(user) if claims.email_verified && user.email_verified => {
                    identity.user_id.clone_from(&user.id);
                    if !self.store.insert_identity(&identity, now).await? {
                        continue;
                    }
                    (user, false)
                }
                Some(_) if !claims.email_verified => {
                    return Err(AuthError::UnverifiedEmail(
                        "An account with this email already exists, and the provider has not verified the address, so they are not linked. Sign in with an email code instead.",
                    ));
                }
                Some(_) => {
                    return Err(AuthError::UnverifiedEmail(
                        "An account with this email exists but its address was never verified. Sign in with an email code first, then use this provider.",
                    ));
                }
                None => {
                    // A new person: the per-IP sign-up limit holds for every method.
                    let signups = format!("signup:ip:{ip}");
                    if let Some(wait) = self
                        .store
                        .rate_limited(&signups, self.limits.ip_signups_per_minute, 60, now)
                        .await?
                    {
                        return Err(AuthError::RateLimited(wait));
                    }
                    identity.user_id = crypto::random_id(&*self.rng, "usr")?;
                    let stored_email = email.as_deref().filter(|_| claims.email_verified);
                    match self
                        .store
                        .insert_federated_user(&identity, stored_email, claims.email_verified, now)
                        .await?
                    {
                        Some(user) => (user, true),
                        None => continue,
                    }
                }
            };
            if created {
                self.store
                    .record_rate_event(&format!("signup:ip:{ip}"), now)
                    .await?;
                self.audit(
                    "user.created",
                    Some(&user.id),
                    Some(&client.id),
                    Some(ip),
                    json!({ "provider": Self::path_id(provider) }),
                )
                .await;
            }
            self.audit(
                "identity.linked",
                Some(&user.id),
                Some(&client.id),
                Some(ip),
                json!({ "provider": Self::path_id(provider), "issuer": claims.issuer }),
            )
            .await;
            return Ok((user, org));
        }
        Err(AuthError::Internal(
            "an identity kept changing under a federated sign-in".into(),
        ))
    }

    /// The social providers of a client, for the widget's buttons.
    pub async fn client_provider_list(
        &self,
        client: &Client,
    ) -> Result<Vec<ProviderRow>, AuthError> {
        Ok(self.store.client_providers(&client.id).await?)
    }

    /// Whether any organization has an SSO connection.
    pub async fn sso_available(&self) -> Result<bool, AuthError> {
        Ok(self.store.any_org_provider().await?)
    }
}

/// The checked claims of a provider's ID token.
#[derive(Debug, Clone)]
pub struct FederatedClaims {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `email`, as given.
    pub email: Option<String>,
    /// `email_verified` is `true` and, for the Google preset, Google is the authority for the
    /// address (see [`Auth::verify_id_token`]).
    pub email_verified: bool,
    /// `hd`: the Google Workspace domain of the account, if any.
    pub hosted_domain: Option<String>,
}

/// The claims we read beyond the standard ones.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
struct ExtraClaims {
    /// Google's hosted domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hd: Option<String>,
}

impl openidconnect::AdditionalClaims for ExtraClaims {}

type FederatedIdToken = openidconnect::IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The start of the message of an `iat` in the future.
const IAT_IN_FUTURE: &str = "issued in the future";

/// Whether Google's `email_verified` is authoritative for `email`: its own consumer domains,
/// or the Workspace domain (`hd`) the account belongs to.
fn google_vouches_for(email: Option<&str>, hosted_domain: Option<&str>) -> bool {
    let Some(domain) = email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d) else {
        return false;
    };
    domain.eq_ignore_ascii_case("gmail.com")
        || domain.eq_ignore_ascii_case("googlemail.com")
        || hosted_domain.is_some_and(|hd| hd.eq_ignore_ascii_case(domain))
}

/// An issuer as an identity key and for comparisons: without a trailing `/`. (The stored
/// issuer keeps it; only discovery needs the exact string.)
fn issuer_key(issuer: &str) -> &str {
    issuer.trim_end_matches('/')
}

fn id_token_error(e: &ClaimsVerificationError) -> String {
    match e {
        ClaimsVerificationError::Expired(m) if m.starts_with(IAT_IN_FUTURE) => {
            "the ID token was issued in the future (iat)".into()
        }
        ClaimsVerificationError::Expired(_) => "the ID token has expired".into(),
        ClaimsVerificationError::InvalidAudience(_) => {
            "the ID token was issued to another client (aud)".into()
        }
        ClaimsVerificationError::InvalidIssuer(_) => {
            "the ID token was issued by another issuer (iss)".into()
        }
        ClaimsVerificationError::InvalidNonce(_) => {
            "the ID token's nonce does not match this sign-in".into()
        }
        ClaimsVerificationError::SignatureVerification(_) => {
            "the ID token's signature does not verify".into()
        }
        other => format!("the ID token is not valid: {other}"),
    }
}

/// The stable code and text for the widget of a failed federated sign-in.
fn redirect_error(e: &AuthError) -> (protocol::ErrorCode, String) {
    use protocol::ErrorCode as C;
    match e {
        AuthError::AccessDenied(d) => (C::AccessDenied, format!("Sign-in was cancelled: {d}")),
        AuthError::ProviderError(d) => (C::ProviderError, format!("The provider refused: {d}")),
        AuthError::ProviderUnavailable(_) => (
            C::ProviderUnavailable,
            "The provider could not be reached. Try again in a moment.".into(),
        ),
        AuthError::InvalidIdToken(d) => (C::InvalidIdToken, format!("Sign-in failed: {d}.")),
        AuthError::UnverifiedEmail(d) => (C::UnverifiedEmail, (*d).to_owned()),
        AuthError::EmailDomainMismatch => (
            C::EmailDomainMismatch,
            "Your organization's sign-in vouched for an email outside its domains.".into(),
        ),
        AuthError::SsoRequired => (C::SsoRequired, SSO_REQUIRED.into()),
        AuthError::RateLimited(wait) => (
            C::RateLimited,
            format!("Too many new accounts from this network. Try again in {wait} s."),
        ),
        other => {
            tracing::error!(error = %other, "federated sign-in failed");
            (
                C::ServerError,
                "Something went wrong on our side. Please try again.".into(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_domains() {
        assert!(valid_slug("google"));
        assert!(valid_slug("my-idp-2"));
        for bad in ["", "Google", "org_x", "a/b", &"x".repeat(33)] {
            assert!(!valid_slug(bad), "{bad}");
        }
        assert!(valid_domain("acme.test"));
        assert!(!valid_domain("acme"));
        assert!(!valid_domain("a@b.c"));
    }

    #[test]
    fn google_vouches_only_for_its_domains_or_the_hosted_domain() {
        assert!(google_vouches_for(Some("a@gmail.com"), None));
        assert!(google_vouches_for(Some("a@GoogleMail.com"), None));
        assert!(google_vouches_for(Some("a@acme.test"), Some("acme.test")));
        assert!(google_vouches_for(Some("a@acme.test"), Some("ACME.test")));
        assert!(!google_vouches_for(Some("a@acme.test"), None));
        assert!(!google_vouches_for(Some("a@acme.test"), Some("other.test")));
        assert!(!google_vouches_for(Some("a@sub.gmail.com"), None));
        assert!(!google_vouches_for(None, Some("acme.test")));
    }

    #[test]
    fn cache_windows_and_issuer_keys() {
        assert!(within(100, 100, 30));
        assert!(within(129, 100, 30));
        assert!(!within(130, 100, 30));
        assert!(!within(99, 100, 30));
        assert_eq!(issuer_key("https://t.auth0.com/"), "https://t.auth0.com");
        assert_eq!(
            issuer_key("https://accounts.google.com"),
            "https://accounts.google.com"
        );
    }
}
