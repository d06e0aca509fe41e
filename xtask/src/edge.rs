//! The edge-worker example (examples/edge-worker): build its wasm, install workerd from npm
//! into its node_modules, and serve it (`cargo xtask edge-worker`) or test it.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::install::WASM_TARGET;
use crate::process::{self, Env, probe};

/// The example's folder, relative to the workspace root.
const DIR: &str = "examples/edge-worker";
const PACKAGE: &str = "example-edge-worker";

fn dir(env: &Env) -> PathBuf {
    env.root().join(DIR)
}

fn workerd(env: &Env) -> PathBuf {
    dir(env).join("node_modules/.bin/workerd")
}

/// Installs workerd (npm package `workerd`, version pinned in package-lock.json) into the
/// example's git-ignored node_modules, unless it already runs. Never installs globally.
pub fn ensure_workerd(env: &Env) -> Result<()> {
    if let Some(version) = probe(env.command(workerd(env)).arg("--version")) {
        eprintln!("==> {} (examples/edge-worker): installed", version.trim());
        return Ok(());
    }
    eprintln!("==> installing workerd (npm, into {DIR}/node_modules)");
    process::run(
        env.command("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir(env)),
    )
    .context("could not install workerd from npm")?;
    if probe(env.command(workerd(env)).arg("--version")).is_none() {
        bail!(
            "installed workerd, but `{} --version` fails",
            workerd(env).display()
        );
    }
    Ok(())
}

/// `cargo build --release` of the worker for wasm32 (~1.5 min on two cores from scratch), then
/// `wasm-bindgen --target web` into
/// examples/edge-worker/build (the ES module and wasm that worker.js imports).
pub fn build_worker(env: &Env) -> Result<()> {
    // `strip = true` (the release profile) would also drop the `target_features` section
    // wasm-bindgen reads; strip debug info only, and let wasm-bindgen drop the names.
    process::run(&mut env.cargo([
        "build",
        "--release",
        "--target",
        WASM_TARGET,
        "-p",
        PACKAGE,
        "--config",
        "profile.release.strip=\"debuginfo\"",
    ]))?;
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => env.root().join(dir),
        None => env.root().join("target"),
    };
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("example_edge_worker.wasm");
    process::run(
        env.command("wasm-bindgen")
            .args(["--target", "web", "--remove-name-section", "--out-dir"])
            .arg(dir(env).join("build"))
            .arg(&wasm),
    )
}

/// The example's test: workerd on loopback, real tokens (needs `build_worker` and workerd).
pub fn test_worker(env: &Env) -> Result<()> {
    let mut command = env.cargo(["test", "-p", PACKAGE]);
    command.env("EDGE_WORKER_TEST", "required");
    process::run(&mut command)
}

/// `cargo xtask edge-worker`: build, install workerd, serve on 127.0.0.1:`port` until Ctrl-C.
pub fn serve(env: &Env, port: u16) -> Result<()> {
    ensure_workerd(env)?;
    build_worker(env)?;
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let issuer = var("ISSUER", "http://127.0.0.1:8080");
    let audience = var("AUDIENCE", "demo");
    eprintln!(
        "==> serving the edge worker on http://127.0.0.1:{port} (issuer {issuer}, audience \
         {audience}; Ctrl-C stops it)"
    );
    process::run(
        env.command(workerd(env))
            .current_dir(dir(env))
            .args(["serve", "config.capnp", "--socket-addr"])
            .arg(format!("http=127.0.0.1:{port}"))
            .env("ISSUER", &issuer)
            .env("AUDIENCE", &audience)
            .env(
                "JWKS_URL",
                var("JWKS_URL", &format!("{issuer}/.well-known/jwks.json")),
            ),
    )
}
