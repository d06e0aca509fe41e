//! `cargo xtask bench`: the widget's download size (raw and `gzip -9`), then the verifier
//! benchmark, natively (aws-lc-rs, with `jsonwebtoken::decode` beside it) and in wasm32
//! (RustCrypto, in Node).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

use crate::install::{self, Needs, WASM_TARGET};
use crate::process::{self, Env};

/// What a page downloads to run the widget, in widget/dist.
const WIDGET_FILES: [&str; 2] = ["widget_bg.wasm", "widget.js"];

pub fn run(env: &Env) -> Result<()> {
    // Timing on a busy machine is noise; say so up front.
    if let Ok(loadavg) = std::fs::read_to_string("/proc/loadavg")
        && let Some(load) = loadavg
            .split_whitespace()
            .next()
            .and_then(|l| l.parse::<f64>().ok())
        && load >= 2.0
    {
        eprintln!("==> warning: load average {load:.2}; the numbers below will be noisy");
    }
    widget_size(env)?;
    eprintln!("==> native benchmark (aws-lc-rs)");
    process::run(&mut env.cargo(["bench", "-p", "verifier", "--bench", "verify"]))?;
    eprintln!("==> wasm32 benchmark (RustCrypto, in Node)");
    let mut wasm = env.cargo([
        "test",
        "-p",
        "verifier",
        "--release",
        "--target",
        WASM_TARGET,
        "--no-default-features",
        "--features",
        "rust-crypto,wasm",
        "--test",
        "wasm_bench",
        "--",
        "--nocapture",
    ]);
    wasm.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    );
    process::run(&mut wasm)
}

/// Builds the widget when widget/dist is older than its sources, then prints the size of
/// each downloaded file, raw and compressed with `gzip -9` (servers send it compressed).
#[expect(
    clippy::print_stdout,
    reason = "the size table is this command's result, beside the benchmarks' own stdout"
)]
fn widget_size(env: &Env) -> Result<()> {
    let dist = env.root().join("widget/dist");
    if widget_stale(env.root(), &dist) {
        install::ensure_tools(env, Needs::Build)?;
        eprintln!("==> building the widget (release, wasm32)");
        process::run(&mut crate::trunk_build(env)).context("building the widget failed")?;
    }
    eprintln!("==> widget size (widget/dist)");
    println!("{:<16} {:>10} {:>10}", "file", "raw B", "gzip -9 B");
    for name in WIDGET_FILES {
        let path = dist.join(name);
        let raw = std::fs::metadata(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .len();
        println!("{name:<16} {raw:>10} {:>10}", gzip_size(&path)?);
    }
    Ok(())
}

/// Whether widget/dist/widget_bg.wasm is missing or older than a file it is built from.
fn widget_stale(root: &Path, dist: &Path) -> bool {
    let Some(built) = modified(&dist.join(WIDGET_FILES[0])) else {
        return true;
    };
    let mut sources: Vec<PathBuf> = [
        "Cargo.toml",
        "Cargo.lock",
        "widget/Cargo.toml",
        "widget/Trunk.toml",
        "widget/index.html",
        "widget/ssojet.js",
        "widget/ssojet.css",
        "protocol/Cargo.toml",
    ]
    .iter()
    .map(|file| root.join(file))
    .collect();
    let mut dirs = vec![root.join("widget/src"), root.join("protocol/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                sources.push(path);
            }
        }
    }
    sources
        .iter()
        .any(|source| modified(source).is_some_and(|time| time > built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The size of `gzip -9c path` (no compression crate in the workspace; gzip is everywhere).
fn gzip_size(path: &Path) -> Result<usize> {
    let output = std::process::Command::new("gzip")
        .arg("-9c")
        .arg(path)
        .stderr(Stdio::inherit())
        .output()
        .context("could not run gzip")?;
    if !output.status.success() {
        bail!("`gzip -9c {}` failed ({})", path.display(), output.status);
    }
    Ok(output.stdout.len())
}
