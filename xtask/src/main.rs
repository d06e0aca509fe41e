//! Project automation for the workspace, run as `cargo xtask <command>` (the alias lives in
//! `.cargo/config.toml`).
//!
//! - `cargo xtask demo [--port 8080] [--data-dir data]`: installs missing tools, builds the widget
//!   and runs the server in demo mode.
//! - `cargo xtask test`: installs missing tools (also Chromium, ChromeDriver and `aiosmtpd`), then
//!   runs formatting, lints, the widget build and every test, stopping at the first failure.
//! - `cargo xtask install`: only the installation part of `test`.
//! - `cargo xtask edge-worker [--port 8787]`: builds examples/edge-worker and serves it in workerd.
//! - `cargo xtask bench`: the widget's download size (raw and gzip), then the verifier benchmark,
//!   natively and in wasm32 (Node).
//! - `cargo xtask fuzz`: the bounded fuzz run of the verifier that `test` ends with (nightly).
//!
//! Progress goes to stderr, one `==>` line per step, like cargo's own output.

mod bench;
mod demo;
mod edge;
mod fuzz;
mod install;
mod lockfile;
mod oidc_provider;
mod process;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build, run and test the login system.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Install missing tools, build the widget and run the server in demo mode.
    Demo {
        /// Port the server listens on (on 127.0.0.1).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Where the server keeps its SQLite database and keys (relative to the repository root).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
        /// Do not check for or install tools; use what is on PATH.
        #[arg(long)]
        skip_install: bool,
        /// Port of the local OpenID provider that stands in for Google (on 127.0.0.1).
        #[arg(long, default_value_t = 8081)]
        oidc_port: u16,
        /// Do not start the local OpenID provider (no "Google" button in the demo).
        #[arg(long)]
        no_oidc: bool,
    },
    /// Install missing tools, then run fmt, clippy, the widget build and every test.
    Test {
        /// Do not check for or install tools; use what is on PATH.
        #[arg(long)]
        skip_install: bool,
    },
    /// Only install the missing tools (everything `test` needs), then stop.
    Install,
    /// Print the widget's size (wasm and JS, raw and gzip; builds it when stale), then run the
    /// verifier benchmark: native (beside the raw signature check and jsonwebtoken) and wasm32
    /// in Node.
    Bench,
    /// Fuzz the verifier for 30 s (needs a nightly toolchain; cargo-fuzz is not needed).
    Fuzz,
    /// Build the edge-worker example (wasm) and serve it in workerd; ISSUER, AUDIENCE and
    /// JWKS_URL from the environment (default: the demo server on :8080).
    EdgeWorker {
        /// Port workerd listens on (on 127.0.0.1).
        #[arg(long, default_value_t = 8787)]
        port: u16,
    },
}

/// `trunk build --release --offline` in widget/, writing widget/dist. `--offline` makes trunk use
/// the wasm-bindgen and wasm-opt we installed instead of downloading its own.
fn trunk_build(env: &process::Env) -> std::process::Command {
    let mut command = env.command("trunk");
    command
        .args(["build", "--release", "--offline"])
        .current_dir(env.root().join("widget"));
    command
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = process::Env::discover().and_then(|env| match cli.command {
        Command::Demo {
            port,
            data_dir,
            skip_install,
            oidc_port,
            no_oidc,
        } => demo::run(
            &env,
            &demo::Options {
                port,
                data_dir,
                skip_install,
                oidc_port: (!no_oidc).then_some(oidc_port),
            },
        ),
        Command::Test { skip_install } => test::run(&env, skip_install),
        Command::Install => install::ensure_tools(&env, install::Needs::Test),
        Command::EdgeWorker { port } => edge::serve(&env, port),
        Command::Bench => bench::run(&env),
        Command::Fuzz => fuzz::run(&env),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error:#}");
            ExitCode::FAILURE
        }
    }
}
