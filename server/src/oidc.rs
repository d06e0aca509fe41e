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
//! - A known identity (issuer + `sub`) signs in its user.
//! - A new identity whose email the provider marks `email_verified: true` links to the user
//!   with that email when that user's email is verified too.
//! - An email that an existing user has, but that either side has not verified, is refused
//!   (`unverified_email`): never linked silently.
//! - Otherwise a new user is made. An unverified email is kept on the identity only, not on the
//!   user, so nobody can reserve someone else's address through a careless provider.
//!
//! # Organizations
//! An organization owns email domains and has one OIDC connection, usable by every client
//! (addressed by the organization id in the authorize path). Its connection may only sign in
//! emails of its own domains (`email_domain_mismatch` otherwise), and the tokens carry `org_id`.
//!
//! Discovery documents and JWKS are cached for an hour; an ID token signed with an unknown `kid`
//! refetches the JWKS once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    JsonWebKeySet, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse as _,
};
use serde_json::json;
use tokio::sync::Mutex;

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
/// The Google preset's scopes.
pub const DEFAULT_SCOPES: &str = "openid email profile";

/// The relying party's shared parts: an HTTP client that never follows redirects, and the
/// discovery cache.
#[derive(Debug, Clone)]
pub struct Federation {
    http: reqwest::Client,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
}

#[derive(Debug, Clone)]
struct Cached {
    metadata: CoreProviderMetadata,
    fetched_at: UnixTime,
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
            cache: Arc::new(Mutex::new(HashMap::new())),
        })
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
        let issuer = issuer.trim_end_matches('/').to_owned();
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
        self.store.upsert_client_provider(&row, self.now()).await?;
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
        self.store.insert_provider(&row, now).await?;
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

    /// The provider's metadata (discovery + JWKS), cached for [`METADATA_TTL`]; `refresh`
    /// refetches the JWKS (an unknown `kid`).
    async fn metadata(
        &self,
        issuer: &str,
        refresh_keys: bool,
    ) -> Result<CoreProviderMetadata, AuthError> {
        let now = self.now();
        let mut cache = self.oidc.cache.lock().await;
        if let Some(hit) = cache.get(issuer).cloned()
            && now - hit.fetched_at < METADATA_TTL
            && now >= hit.fetched_at
        {
            if !refresh_keys {
                return Ok(hit.metadata.clone());
            }
            let jwks = JsonWebKeySet::fetch_async(hit.metadata.jwks_uri(), &self.oidc.http)
                .await
                .map_err(|e| AuthError::ProviderUnavailable(format!("JWKS of {issuer}: {e}")))?;
            let metadata = hit.metadata.set_jwks(jwks);
            cache.insert(
                issuer.to_owned(),
                Cached {
                    metadata: metadata.clone(),
                    fetched_at: hit.fetched_at,
                },
            );
            return Ok(metadata);
        }
        let url = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| AuthError::ProviderUnavailable(format!("issuer {issuer}: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(url, &self.oidc.http)
            .await
            .map_err(|e| AuthError::ProviderUnavailable(format!("discovery of {issuer}: {e}")))?;
        cache.insert(
            issuer.to_owned(),
            Cached {
                metadata: metadata.clone(),
                fetched_at: now,
            },
        );
        Ok(metadata)
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
        self.store.delete_stale_flows(now - 86_400).await?;
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
        let outcome = self.complete_flow(&client, &provider, &flow, query).await;
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

    async fn complete_flow(
        &self,
        client: &Client,
        provider: &ProviderRow,
        flow: &FlowRow,
        query: &protocol::OAuthCallbackQuery,
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
            && iss.trim_end_matches('/') != provider.issuer
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
        let (user, org) = self.link_identity(provider, &claims).await?;
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
            None,
            json!({ "provider": Self::path_id(provider), "issuer": provider.issuer, "org_id": org }),
        )
        .await;
        Ok(code)
    }

    /// Checks an ID token from `provider`: signature by the provider's JWKS (RS/PS/ES
    /// algorithms only; refetched once for an unknown `kid`), `iss`, `aud` (our client id at
    /// the provider), `nonce`, and expiry against the injected clock.
    pub async fn verify_id_token(
        &self,
        provider: &ProviderRow,
        id_token: &CoreIdToken,
        nonce: &str,
    ) -> Result<FederatedClaims, AuthError> {
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
                .set_time_fn(move || chrono::DateTime::from_timestamp(now, 0).unwrap_or_default());
            match id_token.claims(&verifier, &Nonce::new(nonce.to_owned())) {
                Ok(claims) => {
                    return Ok(FederatedClaims {
                        issuer: claims.issuer().as_str().trim_end_matches('/').to_owned(),
                        subject: claims.subject().as_str().to_owned(),
                        email: claims.email().map(|e| e.as_str().to_owned()),
                        email_verified: claims.email_verified() == Some(true),
                    });
                }
                Err(ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                )) if !refreshed => refreshed = true,
                Err(e) => return Err(AuthError::InvalidIdToken(id_token_error(&e))),
            }
        }
    }

    /// Finds or makes the user behind a provider's claims (see the module docs).
    async fn link_identity(
        &self,
        provider: &ProviderRow,
        claims: &FederatedClaims,
    ) -> Result<(UserRow, Option<String>), AuthError> {
        let now = self.now();
        let email = claims
            .email
            .as_deref()
            .map(normalize_email)
            .transpose()
            .map_err(|_| AuthError::InvalidIdToken("the email claim is not an email".into()))?;
        if let Some(org_id) = &provider.org_id {
            let domain = email
                .as_deref()
                .and_then(|e| e.rsplit_once('@'))
                .map(|(_, d)| d.to_owned())
                .ok_or(AuthError::EmailDomainMismatch)?;
            let owner = self.store.organization_by_domain(&domain).await?;
            if owner.is_none_or(|o| &o.id != org_id) || !claims.email_verified {
                return Err(AuthError::EmailDomainMismatch);
            }
        }
        let org = provider.org_id.clone();
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
        let user = match existing {
            Some(user) if claims.email_verified && user.email_verified => user,
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
                let id = crypto::random_id(&*self.rng, "usr")?;
                let stored_email = email.as_deref().filter(|_| claims.email_verified);
                self.store
                    .insert_federated_user(&id, stored_email, claims.email_verified, now)
                    .await?
            }
        };
        self.store
            .insert_identity(
                &IdentityRow {
                    issuer: claims.issuer.clone(),
                    subject: claims.subject.clone(),
                    user_id: user.id.clone(),
                    provider_id: provider.id.clone(),
                    email,
                },
                now,
            )
            .await?;
        self.audit(
            "identity.linked",
            Some(&user.id),
            provider.client_id.as_deref(),
            None,
            json!({ "issuer": claims.issuer }),
        )
        .await;
        Ok((user, org))
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
    /// `email_verified` is `true`.
    pub email_verified: bool,
}

fn id_token_error(e: &ClaimsVerificationError) -> String {
    match e {
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
}
