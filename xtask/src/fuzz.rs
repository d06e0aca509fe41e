//! A bounded fuzz run of the verifier (verifier/fuzz, a cargo-fuzz layout), when a nightly
//! toolchain is installed.
//!
//! cargo-fuzz is not needed: this builds the target with nightly and the instrumentation
//! flags `cargo fuzz build --sanitizer none` uses (the target's code has no `unsafe` and the
//! RustCrypto backend no C, so AddressSanitizer adds build time and nothing else), then runs
//! libFuzzer over the seed corpus for a fixed time. With cargo-fuzz installed,
//! `cargo +nightly fuzz run verify` in verifier/ does the same by hand.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::process::{self, Env, probe};

const DIR: &str = "verifier/fuzz";
const TARGET: &str = "verify";
/// How long libFuzzer runs, in seconds.
pub const SECONDS: u32 = 30;

/// `cargo fuzz build`'s coverage instrumentation (libFuzzer's inline 8-bit counters).
const RUSTFLAGS: &str = "--cfg fuzzing -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cdebug-assertions -Coverflow-checks";

/// Builds and runs the fuzz target for [`SECONDS`]; without nightly, says so and succeeds.
pub fn run(env: &Env) -> Result<()> {
    // `cargo +nightly` needs the rustup proxy, not the toolchain's cargo in `$CARGO`.
    let Some(version) = probe(env.command("rustc").args(["+nightly", "-vV"])) else {
        eprintln!(
            "==> notice: no nightly toolchain (`rustup toolchain install nightly`), so the \
             fuzz run is skipped"
        );
        return Ok(());
    };
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .context("`rustc +nightly -vV` printed no host")?
        .trim()
        .to_owned();
    let dir = env.root().join(DIR);
    let target_dir = env.root().join("target/fuzz");
    // `--target` keeps the flags off build scripts and proc macros, as cargo-fuzz does.
    process::run(
        env.command("cargo")
            .args([
                "+nightly",
                "build",
                "--release",
                "--bin",
                TARGET,
                "--target",
            ])
            .arg(&host)
            .current_dir(&dir)
            .env("RUSTFLAGS", RUSTFLAGS)
            .env("CARGO_TARGET_DIR", &target_dir),
    )?;
    // New inputs go to the first (scratch) directory; the committed seeds stay as they are.
    let scratch = target_dir.join("corpus").join(TARGET);
    let artifacts = target_dir.join("artifacts").join(TARGET);
    for folder in [&scratch, &artifacts] {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    let binary: PathBuf = target_dir.join(&host).join("release").join(TARGET);
    process::run(
        env.command(&binary)
            .arg(format!("-max_total_time={SECONDS}"))
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg(&scratch)
            .arg(dir.join("corpus").join(TARGET)),
    )
    .with_context(|| {
        format!(
            "the fuzzer found a failing input; it is in {} (reproduce: {} <file>)",
            artifacts.display(),
            binary.display()
        )
    })
}
