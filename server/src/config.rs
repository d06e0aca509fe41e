//! Configuration: defaults, then a TOML file, then `SSOJET_*` environment variables, then flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::secret::SecretString;

/// Everything the server needs to start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Public base URL (the token issuer). Defaults to `http://{bind}`.
    pub public_url: Option<String>,
    /// Folder for the SQLite database (and, in demo mode, the generated master key).
    pub data_dir: PathBuf,
    /// Database URL; defaults to SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// 32 bytes, base64: encrypts signing keys at rest. Required outside demo mode.
    pub master_key: Option<SecretString>,
    /// Demo mode: seeds the `demo` client, serves the demo page and the dev mailbox.
    pub demo: bool,
    /// Folder with the built widget (`ssojet.js`, …), served under `/widget/`.
    pub widget_dir: Option<PathBuf>,
    /// Outgoing mail; without it, mail only reaches the dev mailbox (demo mode).
    pub smtp: Option<SmtpConfig>,
    /// Outgoing SMS through an HTTP provider; without it, texts only reach the dev mailbox.
    pub sms: Option<crate::sms::SmsConfig>,
    /// Token lifetimes.
    pub tokens: TokenConfig,
    /// Passkeys (WebAuthn relying party).
    pub webauthn: WebauthnConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data_dir: PathBuf::from("data"),
            database_url: None,
            master_key: None,
            demo: false,
            widget_dir: None,
            smtp: None,
            sms: None,
            tokens: TokenConfig::default(),
            webauthn: WebauthnConfig::default(),
        }
    }
}

/// SMTP delivery through lettre.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Transport security.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Login user, if the server needs one.
    #[serde(default)]
    pub username: Option<String>,
    /// Login password.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The From address, e.g. `Acme <login@acme.test>`.
    pub from: String,
}

/// How SMTP connections are secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// STARTTLS, required.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain text: only for a local relay or a test sink.
    None,
}

/// Lifetimes of tokens, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenConfig {
    /// Access token lifetime.
    pub access_ttl: i64,
    /// Refresh token (and session) lifetime.
    pub refresh_ttl: i64,
    /// How long a just-rotated refresh token may be presented again (concurrent tabs)
    /// before reuse revokes the family.
    pub refresh_reuse_grace: i64,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            access_ttl: 3600,
            refresh_ttl: 30 * 24 * 3600,
            refresh_reuse_grace: 5,
        }
    }
}

/// The WebAuthn relying party.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WebauthnConfig {
    /// Relying party id: a domain that is, or is a parent of, the host of `public_url`
    /// (e.g. `example.com` for `https://auth.example.com`). Defaults to that host, and to
    /// `localhost` when `public_url` is a loopback address (browsers refuse IP addresses).
    /// Passkeys are bound to it: changing it orphans every registered passkey.
    pub rp_id: Option<String>,
    /// Name shown by the browser while creating a passkey; defaults to the relying party id.
    pub rp_name: Option<String>,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The sources could not be read or parsed.
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    /// A required value is missing or wrong.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads defaults, then `file` (if given), then `SSOJET_*` env vars (`__` nests, e.g.
    /// `SSOJET_SMTP__HOST`), then `overrides` (from command-line flags).
    pub fn load(
        file: Option<&std::path::Path>,
        overrides: &impl Serialize,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("SSOJET_").split("__"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The database URL.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ssojet.db").display()
            ),
        }
    }
}
