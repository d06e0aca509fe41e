//! `cargo xtask demo`: the widget and the server in demo mode on one port, emails kept in the
//! dev mailbox.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::install::{self, Needs};
use crate::process::{self, Env, Stopwatch, format_duration};

#[derive(Debug)]
pub struct Options {
    pub port: u16,
    /// Relative paths are taken from the repository root, where the server runs.
    pub data_dir: PathBuf,
    pub skip_install: bool,
    /// Port of the local OpenID provider; `None` to run without it.
    pub oidc_port: Option<u16>,
}

/// The demo client's id at the local provider (a demo-only credential).
const DEMO_OIDC_CLIENT: &str = "ssojet-demo";
const DEMO_OIDC_SECRET: &str = "ssojet-demo-local-secret";

pub fn run(env: &Env, options: &Options) -> Result<()> {
    if !options.skip_install {
        install::ensure_tools(env, Needs::Build)?;
    }

    let clock = Stopwatch::start();
    eprintln!("==> building the widget (release, wasm32)");
    process::run(&mut crate::trunk_build(env)).context("building the widget failed")?;
    eprintln!("    widget built in {}", format_duration(clock.elapsed()));

    // A debug build, not `--release`: the release profile uses fat LTO with one codegen unit,
    // which costs several minutes on two cores, while the dev profile already compiles every
    // dependency at opt-level 1 (fast enough for RSA signing and SQLite in a demo) and shares its
    // build cache with `cargo xtask test`. The widget, which people download, is built for size.
    let clock = Stopwatch::start();
    eprintln!("==> building the server");
    process::run(&mut server(env, ["build"])).context("building the server failed")?;
    eprintln!("    server built in {}", format_duration(clock.elapsed()));

    std::fs::create_dir_all(env.root().join(&options.data_dir))
        .with_context(|| format!("creating {}", options.data_dir.display()))?;
    let port = options.port;
    // Kept alive until the server stops; dropping it stops the provider.
    let _provider = match options.oidc_port {
        Some(oidc_port) => Some(start_local_provider(env, options, oidc_port)?),
        None => None,
    };
    eprintln!("==> starting the server (Ctrl-C stops it)");
    // `localhost`, not 127.0.0.1: passkeys need a domain (the relying party id is `localhost`).
    eprintln!("\n    Open http://localhost:{port}/ — emails appear at /dev/mailbox\n");
    let mut command = server(env, ["run", "--quiet"]);
    command
        .args(["--", "serve", "--demo", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&options.data_dir)
        .args(["--widget-dir", "widget/dist"]);
    process::run(&mut command).context("the server stopped with an error")
}

/// Starts the local OpenID provider and registers it as the demo client's `google` provider
/// (Google preset, issuer overridden), so the demo's social button works without internet.
fn start_local_provider(
    env: &Env,
    options: &Options,
    oidc_port: u16,
) -> Result<crate::oidc_provider::Running> {
    let port = options.port;
    let callbacks = ["127.0.0.1", "localhost"]
        .map(|host| format!("http://{host}:{port}/api/v1/auth/oauth/google/callback"));
    eprintln!("==> starting the local OpenID provider on 127.0.0.1:{oidc_port}");
    let provider = crate::oidc_provider::start(
        env,
        oidc_port,
        DEMO_OIDC_CLIENT,
        DEMO_OIDC_SECRET,
        &callbacks,
    )?;
    let mut command = server(env, ["run", "--quiet"]);
    command
        .args(["--", "provider", "add", "--demo", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&options.data_dir)
        .args(["--client", "demo", "--slug", "google", "--preset", "google"])
        .args(["--issuer", &provider.issuer])
        .args(["--oidc-client-id", DEMO_OIDC_CLIENT])
        .args(["--oidc-client-secret", DEMO_OIDC_SECRET]);
    process::run(&mut command).context("registering the local OpenID provider failed")?;
    eprintln!(
        "    \"Google\" is the local provider at {}: any login name and password sign in \
         (a name starting with \"unverified\" gets an unverified email; like Google's, only \
         @gmail.com addresses count as verified)",
        provider.issuer
    );
    Ok(provider)
}

/// `cargo <verb> ... -p server --bin ssojet-server`.
fn server<const N: usize>(env: &Env, verb: [&str; N]) -> std::process::Command {
    let mut command = env.cargo(verb);
    command.args(["-p", "server", "--bin", "ssojet-server"]);
    command
}
