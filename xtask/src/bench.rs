//! `cargo xtask bench`: the verifier benchmark, natively (aws-lc-rs, with
//! `jsonwebtoken::decode` beside it) and in wasm32 (RustCrypto, in Node).

use anyhow::Result;

use crate::install::WASM_TARGET;
use crate::process::{self, Env};

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
