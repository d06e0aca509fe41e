//! The self-hostable auth API that the login widget drives.
//!
//! Paths follow the SSOJet API reference (see `DESIGN.md`). [`app`] builds the whole
//! [`axum::Router`]; the `ssojet-server` binary is a thin wrapper around [`start`] and [`app`].
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let config = server::config::Config { demo: true, ..Default::default() };
//! let state = server::start(config, server::Services::real()).await?;
//! let listener = tokio::net::TcpListener::bind(state.config.bind).await?;
//! axum::serve(listener, server::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
//! # Ok(()) }
//! ```
//!
//! # Security
//! - One-time codes and magic links are stored as keyed hashes; client secrets and refresh
//!   tokens as SHA-256; signing keys sealed with AES-256-GCM under the master key.
//! - A browser request is answered only for origins the client lists, exactly.
//! - Passkey ceremony state stays on the server (single use, 5 minutes); see [`passkeys`].
//! - Every sign-in ends in a single-use authorization code bound to the starting browser's
//!   PKCE challenge, so a stolen code or `state` alone never yields tokens.

pub mod auth;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod error;
mod http;
pub mod keys;
pub mod mail;
pub mod messages;
pub mod oidc;
pub mod passkeys;
pub mod passwordless;
pub mod secret;
pub mod sms;
pub mod store;

use std::sync::Arc;

use crate::auth::{Auth, OtpPolicy};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{MasterKey, OsRandom, Random};
use crate::mail::{DevMailbox, Mailer};
use crate::secret::SecretString;
use crate::store::{Client, Store};

/// Shared state of every request.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The sign-in service.
    pub auth: Auth,
    /// The configuration it started with.
    pub config: Arc<Config>,
    /// Scheme, host and port of `public_url`, as browsers send it in `Origin`.
    pub public_origin: String,
}

/// Builds the router of the whole API (and, in demo mode, the demo page and dev mailbox).
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

/// Time and randomness, injected so tests can control them.
#[derive(Debug, Clone)]
pub struct Services {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The random source.
    pub rng: Arc<dyn Random>,
}

impl Services {
    /// The wall clock and the OS CSPRNG.
    pub fn real() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            rng: Arc::new(OsRandom::default()),
        }
    }
}

/// A failure at start-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The signing keys could not be loaded.
    #[error("signing keys: {0}")]
    Keys(#[from] keys::KeysError),
    /// Crypto failed.
    #[error("{0}")]
    Crypto(#[from] crypto::CryptoError),
    /// The mailer could not be built.
    #[error("mail: {0}")]
    Mail(#[from] mail::MailError),
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// The HTTP client (toward OpenID providers) could not be built.
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The id of the client that demo mode seeds.
pub const DEMO_CLIENT_ID: &str = "demo";

/// Opens the database (running migrations), loads or makes the keys and builds the state.
pub async fn start(config: Config, services: Services) -> Result<AppState, StartError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::Io(config.data_dir.display().to_string(), e))?;
    }
    let store = Store::connect(&config.database_url()).await?;
    let master = MasterKey::from_base64(&master_key(&config, &*services.rng)?)?;
    let keys =
        keys::Keys::load_or_create(&store, &master, &*services.rng, services.clock.now()).await?;
    let mailer = Mailer::new(config.smtp.as_ref(), config.demo.then(DevMailbox::default))?;
    if !mailer.can_deliver() {
        return Err(config::ConfigError::Invalid(
            "no way to send email: configure [smtp] (or run with --demo for the dev mailbox)"
                .into(),
        )
        .into());
    }
    let issuer = config.public_url();
    let public_origin = origin_of(&issuer);
    let auth = Auth {
        store,
        clock: services.clock,
        rng: services.rng,
        keys,
        master: Arc::new(master),
        mailer,
        sms: config.sms.clone().map(sms::SmsProvider::new),
        issuer,
        otp: OtpPolicy::default(),
        limits: auth::LoginLimits::default(),
        tokens: config.tokens.clone(),
        relying_party: passkeys::RelyingParty::from_config(&config),
        oidc: oidc::Federation::new()?,
    };
    let state = AppState {
        auth,
        config: Arc::new(config),
        public_origin,
    };
    if state.config.demo {
        seed_demo_client(&state).await?;
    }
    Ok(state)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let end = rest.find('/').map_or(url.len(), |j| i + 3 + j);
            url[..end].to_owned()
        }
        None => url.to_owned(),
    }
}

/// The master key from config; in demo mode, from (or newly into) `data_dir/master.key`.
fn master_key(config: &Config, rng: &dyn Random) -> Result<SecretString, StartError> {
    if let Some(key) = &config.master_key {
        return Ok(key.clone());
    }
    if !config.demo {
        return Err(config::ConfigError::Invalid(
            "master_key is required (32 random bytes, base64; set SSOJET_MASTER_KEY). \
             Make one with `ssojet-server keygen`."
                .into(),
        )
        .into());
    }
    let path = config.data_dir.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(SecretString::new(text.trim())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate_base64(rng)?;
            std::fs::write(&path, key.expose())
                .map_err(|e| StartError::Io(path.display().to_string(), e))?;
            tracing::warn!(path = %path.display(), "demo mode: generated a master key; production needs SSOJET_MASTER_KEY");
            Ok(key)
        }
        Err(e) => Err(StartError::Io(path.display().to_string(), e)),
    }
}

/// Origins a local demo is opened from: the public origin plus its localhost twin.
fn demo_origins(public_origin: &str) -> Vec<String> {
    let mut origins = vec![public_origin.to_owned()];
    for (a, b) in [
        ("://127.0.0.1", "://localhost"),
        ("://localhost", "://127.0.0.1"),
    ] {
        if public_origin.contains(a) {
            origins.push(public_origin.replacen(a, b, 1));
        }
    }
    origins
}

async fn seed_demo_client(state: &AppState) -> Result<(), StartError> {
    let store = &state.auth.store;
    let client = Client {
        id: DEMO_CLIENT_ID.to_owned(),
        name: "Demo app".to_owned(),
        secret_hash: None,
        allowed_origins: demo_origins(&state.public_origin),
        redirect_uris: demo_origins(&state.public_origin)
            .into_iter()
            .map(|o| format!("{o}/"))
            .collect(),
        audience: None,
        methods: store::ALL_METHODS.map(str::to_owned).to_vec(),
        magic_link_ttl: None,
    };
    if store.client(DEMO_CLIENT_ID).await?.is_some() {
        store.update_client_urls(&client).await?;
    } else {
        store.insert_client(&client, state.auth.clock.now()).await?;
    }
    Ok(())
}

/// A newly created client and, for confidential clients, its secret (shown once).
#[derive(Debug)]
pub struct CreatedClient {
    /// The client.
    pub client: Client,
    /// The secret, for confidential clients.
    pub secret: Option<SecretString>,
}

/// What to register with [`create_client`].
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// Display name (shown in the widget and in messages).
    pub name: String,
    /// Exact origins (`https://app.example.com`) allowed to call the API from a browser.
    pub allowed_origins: Vec<String>,
    /// Exact redirect URIs (magic links land on the first one by default).
    pub redirect_uris: Vec<String>,
    /// Give the client a secret, for exchanging codes on a backend.
    pub confidential: bool,
    /// Enabled sign-in methods; all of [`store::ALL_METHODS`] when `None`.
    pub methods: Option<Vec<String>>,
    /// Lifetime of magic links in seconds (60 to 86400); 300 when `None`.
    pub magic_link_ttl: Option<i64>,
}

/// Checks an origin is exactly `scheme://host[:port]`.
fn valid_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty() && !rest.contains(['/', '*', '?', '#', ' ', '@'])
}

/// Checks a redirect URI is an absolute http(s) URL without wildcards or fragment.
fn valid_redirect_uri(uri: &str) -> bool {
    let Some(rest) = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or_default();
    !host.is_empty() && !uri.contains(['*', '#', ' '])
}

/// Registers a client. Confidential clients get a secret that is stored only as a hash.
pub async fn create_client(
    store: &Store,
    services: &Services,
    spec: &NewClient,
) -> Result<CreatedClient, StartError> {
    let invalid = |m: String| StartError::Config(config::ConfigError::Invalid(m));
    if spec.name.trim().is_empty() {
        return Err(invalid("a client needs a name".into()));
    }
    if let Some(bad) = spec.allowed_origins.iter().find(|o| !valid_origin(o)) {
        return Err(invalid(format!(
            "{bad:?} is not an origin: use scheme://host[:port], no path or wildcard"
        )));
    }
    if let Some(bad) = spec.redirect_uris.iter().find(|u| !valid_redirect_uri(u)) {
        return Err(invalid(format!(
            "{bad:?} is not an absolute http(s) redirect URI without wildcards"
        )));
    }
    let methods = spec
        .methods
        .clone()
        .unwrap_or_else(|| store::ALL_METHODS.map(str::to_owned).to_vec());
    if let Some(bad) = methods
        .iter()
        .find(|m| !store::ALL_METHODS.contains(&m.as_str()))
    {
        return Err(invalid(format!(
            "unknown sign-in method {bad:?}; known: {}",
            store::ALL_METHODS.join(", ")
        )));
    }
    if spec
        .magic_link_ttl
        .is_some_and(|t| !(60..=86_400).contains(&t))
    {
        return Err(invalid(
            "magic_link_ttl must be between 60 and 86400 seconds".into(),
        ));
    }
    let rng = &*services.rng;
    let secret = if spec.confidential {
        Some(SecretString::new(format!(
            "sk_{}",
            crypto::random_token(rng, 32)?
        )))
    } else {
        None
    };
    let client = Client {
        id: crypto::random_id(rng, "cli")?,
        name: spec.name.trim().to_owned(),
        secret_hash: secret
            .as_ref()
            .map(|s| crypto::sha256_hex(s.expose().as_bytes())),
        allowed_origins: spec.allowed_origins.clone(),
        redirect_uris: spec.redirect_uris.clone(),
        audience: None,
        methods,
        magic_link_ttl: spec.magic_link_ttl,
    };
    store.insert_client(&client, services.clock.now()).await?;
    Ok(CreatedClient { client, secret })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_origins_and_redirects_are_exact() {
        assert!(valid_origin("https://app.example.com"));
        assert!(valid_origin("http://127.0.0.1:8080"));
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://*.example.com",
            "ftp://x",
            "https://",
        ] {
            assert!(!valid_origin(bad), "{bad}");
        }
        assert!(valid_redirect_uri("https://app.example.com/callback?x=1"));
        for bad in [
            "/callback",
            "https://app.example.com/*",
            "https://app.example.com/#x",
            "javascript:alert(1)",
        ] {
            assert!(!valid_redirect_uri(bad), "{bad}");
        }
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://auth.example.com/base/"),
            "https://auth.example.com"
        );
        assert_eq!(
            demo_origins("http://127.0.0.1:8080"),
            vec![
                "http://127.0.0.1:8080".to_owned(),
                "http://localhost:8080".to_owned()
            ]
        );
    }
}
