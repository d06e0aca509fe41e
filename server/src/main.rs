//! `ssojet-server`: run the auth API, manage clients, run migrations.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use serde::Serialize;
use server::config::Config;
use server::{Services, app, create_client, start};

#[derive(Debug, Parser)]
#[command(name = "ssojet-server", version, about = "Self-hostable login API")]
struct Cli {
    /// TOML configuration file (values from SSOJET_* env vars and flags win over it).
    #[arg(long, short, global = true, env = "SSOJET_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

/// Flags that override the configuration file and environment.
#[derive(Debug, clap::Args, Serialize)]
struct Overrides {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    bind: Option<SocketAddr>,
    /// Public base URL (the token issuer).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    public_url: Option<String>,
    /// Folder for the SQLite database.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    /// Database URL (default: SQLite in the data folder).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    /// Folder of the built widget, served under /widget/.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    widget_dir: Option<PathBuf>,
    /// Demo mode: demo client and page, dev mailbox, generated master key.
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    demo: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print a new random master key.
    Keygen,
    /// Manage clients (applications).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage a client's social sign-in providers (Google, any OpenID Connect provider).
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Manage organizations (enterprise SSO chosen by email domain).
    #[command(subcommand)]
    Org(OrgCommand),
}

/// How to reach an OpenID provider.
#[derive(Debug, clap::Args)]
struct OidcArgs {
    /// The issuer URL (discovery at ISSUER/.well-known/openid-configuration). Default for the
    /// google preset: https://accounts.google.com.
    #[arg(long)]
    issuer: Option<String>,
    /// Our client id at the provider.
    #[arg(long)]
    oidc_client_id: String,
    /// Our client secret at the provider (stored encrypted under the master key).
    #[arg(long, env = "SSOJET_OIDC_CLIENT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    oidc_client_secret: Option<server::secret::SecretString>,
    /// Scopes, space-separated (default "openid email profile").
    #[arg(long)]
    scopes: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ProviderCommand {
    /// Add (or replace) a social provider of a client. Register
    /// PUBLIC_URL/api/v1/auth/oauth/SLUG/callback as the redirect URI at the provider.
    Add {
        /// The client (application) id.
        #[arg(long)]
        client: String,
        /// The provider's name in the authorize path (a-z, 0-9, -), e.g. google.
        #[arg(long)]
        slug: String,
        /// google (issuer https://accounts.google.com unless --issuer) or oidc.
        #[arg(long, value_parser = ["google", "oidc"])]
        preset: String,
        /// Button name (default "Google" for the preset; required for oidc).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        oidc: OidcArgs,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organization with its email domains and its OpenID Connect connection (usable
    /// by every client). Register PUBLIC_URL/api/v1/auth/oauth/ORG_ID/callback at its provider.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// An email domain the organization owns (repeatable).
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
        #[command(flatten)]
        oidc: OidcArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// Register a client; prints its id and, for confidential clients, its secret (once).
    Create {
        /// Display name (shown in emails).
        #[arg(long)]
        name: String,
        /// An allowed browser origin, exactly (repeatable), e.g. https://app.example.com.
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// An allowed redirect URI, exactly (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Give the client a secret (for exchanging codes on a backend).
        #[arg(long)]
        confidential: bool,
        /// A sign-in method to enable (repeatable): email_code, magic_link, sms_code. Default: all.
        #[arg(long = "method")]
        methods: Vec<String>,
        /// Lifetime of magic links in seconds (default 300).
        #[arg(long)]
        magic_link_ttl: Option<i64>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref(), &cli.overrides)?;
    let services = Services::real();
    match cli.command {
        Command::Serve => serve(config, services).await,
        Command::Migrate => {
            server::store::Store::connect(&config.database_url()).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Keygen => {
            let key = server::crypto::MasterKey::generate_base64(&*services.rng)?;
            write_stdout(&format!("{}\n", key.expose()))
        }
        Command::Provider(ProviderCommand::Add {
            client,
            slug,
            preset,
            name,
            oidc,
        }) => {
            let state = admin_state(config, services).await?;
            let spec = new_provider(preset, name, oidc);
            let row = state.auth.add_provider(&client, &slug, &spec).await?;
            write_stdout(&format!(
                "provider: {} ({}, issuer {})\nredirect URI to register at the provider: {}{}\n",
                row.slug,
                row.kind,
                row.issuer,
                state.auth.issuer.trim_end_matches('/'),
                protocol::routes::oauth_callback(&row.slug)
            ))
        }
        Command::Org(OrgCommand::Create {
            name,
            domains,
            oidc,
        }) => {
            let state = admin_state(config, services).await?;
            let spec = new_provider("oidc".into(), Some(name.clone()), oidc);
            let org = state
                .auth
                .create_organization(&name, &domains, &spec)
                .await?;
            write_stdout(&format!(
                "org_id: {}\nredirect URI to register at the provider: {}{}\n",
                org.id,
                state.auth.issuer.trim_end_matches('/'),
                protocol::routes::oauth_callback(&org.id)
            ))
        }
        Command::Client(ClientCommand::Create {
            name,
            origins,
            redirect_uris,
            confidential,
            methods,
            magic_link_ttl,
        }) => {
            std::fs::create_dir_all(&config.data_dir).ok();
            let store = server::store::Store::connect(&config.database_url()).await?;
            let spec = server::NewClient {
                name,
                allowed_origins: origins,
                redirect_uris,
                confidential,
                methods: (!methods.is_empty()).then_some(methods),
                magic_link_ttl,
            };
            let created = create_client(&store, &services, &spec).await?;
            let mut out = format!("client_id: {}\n", created.client.id);
            if let Some(secret) = created.secret {
                out.push_str(&format!(
                    "client_secret: {}\n(shown once; only its hash is stored)\n",
                    secret.expose()
                ));
            }
            write_stdout(&out)
        }
    }
}

fn new_provider(preset: String, name: Option<String>, oidc: OidcArgs) -> server::oidc::NewProvider {
    server::oidc::NewProvider {
        preset,
        issuer: oidc.issuer,
        oidc_client_id: oidc.oidc_client_id,
        oidc_client_secret: oidc.oidc_client_secret,
        scopes: oidc.scopes,
        name,
    }
}

fn parse_secret(value: &str) -> Result<server::secret::SecretString, std::convert::Infallible> {
    Ok(server::secret::SecretString::new(value))
}

/// The server's state for an admin command (database, master key), without serving.
async fn admin_state(config: Config, services: Services) -> anyhow::Result<server::AppState> {
    Ok(start(config, services).await?)
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing to stdout")
}

async fn serve(config: Config, services: Services) -> anyhow::Result<()> {
    let bind = config.bind;
    let state = start(config, services).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    let url = state.auth.issuer.clone();
    if state.config.demo {
        // Passkeys need a domain name: a loopback server's relying party id is `localhost`.
        let url = url.replacen("://127.0.0.1", "://localhost", 1);
        tracing::info!("demo ready: open {url}/ (emails appear at {url}/dev/mailbox)");
    } else {
        tracing::info!("listening on {url}");
    }
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
