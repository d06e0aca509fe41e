//! `cargo xtask test`: everything CI checks, in order, stopping at the first failure.

use anyhow::{Result, bail};

use crate::install::{self, CHROMEDRIVER, CHROMIUM, Needs, WASM_TARGET};
use crate::process::{self, Env, Stopwatch, format_duration};

type Action<'a> = Box<dyn Fn() -> Result<()> + 'a>;

struct Step<'a> {
    name: &'static str,
    action: Action<'a>,
}

pub fn run(env: &Env, skip_install: bool) -> Result<()> {
    let mut steps = Vec::new();
    if !skip_install {
        steps.push(step("install missing tools", || {
            install::ensure_tools(env, Needs::Test)
        }));
    }
    steps.push(step("cargo fmt --check", || {
        process::run(&mut env.cargo(["fmt", "--all", "--", "--check"]))
    }));
    steps.push(step("clippy (host)", || {
        process::run(&mut env.cargo([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    }));
    steps.push(step("clippy (widget, wasm32)", || {
        process::run(&mut env.cargo([
            "clippy",
            "-p",
            "widget",
            "--target",
            WASM_TARGET,
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    }));
    // Before the tests: the end-to-end test serves widget/dist.
    steps.push(step("widget build (trunk)", || {
        process::run(&mut crate::trunk_build(env))
    }));
    // `--workspace` so every member is tested, including future ones, minus the widget: its
    // tests only run in a browser (next step), and its host build was already checked by clippy;
    // and minus the edge worker, whose test needs its wasm built first (its own step below).
    steps.push(step("tests (host, incl. end-to-end)", || {
        let mut command = env.cargo([
            "test",
            "--workspace",
            "--exclude",
            "widget",
            "--exclude",
            "example-edge-worker",
        ]);
        command
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("CHROMIUM", CHROMIUM);
        process::run(&mut command)
    }));
    // widget/webdriver.json makes wasm-bindgen-test-runner start headless Chromium.
    steps.push(step("widget tests (wasm32, Chromium)", || {
        let mut command = env.cargo(["test", "-p", "widget", "--target", WASM_TARGET]);
        command.env("CHROMEDRIVER", CHROMEDRIVER).env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        );
        process::run(&mut command)
    }));
    // The verifier's second crypto backend (RustCrypto), natively: the whole suite again.
    steps.push(step("verifier tests (rust-crypto backend)", || {
        process::run(&mut env.cargo([
            "test",
            "-p",
            "verifier",
            "--no-default-features",
            "--features",
            "rust-crypto,remote-jwks",
        ]))
    }));
    steps.push(step("clippy (verifier, wasm32)", || {
        process::run(&mut env.cargo([
            "clippy",
            "-p",
            "verifier",
            "--target",
            WASM_TARGET,
            "--no-default-features",
            "--features",
            "rust-crypto,wasm",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    }));
    // The attack suite, algorithms and cache tests in wasm, in Node (no browser needed).
    steps.push(step("verifier tests (wasm32, Node)", || {
        let mut command = env.cargo([
            "test",
            "-p",
            "verifier",
            "--target",
            WASM_TARGET,
            "--no-default-features",
            "--features",
            "rust-crypto,wasm",
            "--test",
            "it",
        ]);
        command.env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        );
        process::run(&mut command)
    }));
    // The edge worker in workerd: wasm build (release) + wasm-bindgen, then its test starts
    // workerd on loopback and checks 200 + subject and the 401s with real tokens.
    steps.push(step("edge worker (wasm build, workerd test)", || {
        crate::edge::build_worker(env)?;
        crate::edge::test_worker(env)
    }));
    // A bounded libFuzzer run of `Verifier::verify` (nightly only; skipped with a notice).
    steps.push(step("verifier fuzz (30 s, nightly)", || {
        crate::fuzz::run(env)
    }));
    run_steps(&steps)
}

fn step<'a>(name: &'static str, action: impl Fn() -> Result<()> + 'a) -> Step<'a> {
    Step {
        name,
        action: Box::new(action),
    }
}

/// Runs the steps in order, timing each; on the first failure prints the summary and returns
/// an error naming the step.
fn run_steps(steps: &[Step<'_>]) -> Result<()> {
    let total = Stopwatch::start();
    let mut results: Vec<String> = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        eprintln!("\n==> [{}/{}] {}", index + 1, steps.len(), step.name);
        let clock = Stopwatch::start();
        let outcome = (step.action)();
        let took = format_duration(clock.elapsed());
        match outcome {
            Ok(()) => {
                eprintln!("==> {} passed in {took}", step.name);
                results.push(format!("  ok      {took:>8}  {}", step.name));
            }
            Err(error) => {
                results.push(format!("  FAILED  {took:>8}  {}", step.name));
                for later in &steps[index + 1..] {
                    results.push(format!("  -       {:>8}  {} (not run)", "", later.name));
                }
                summary(&results, "FAILED", total);
                bail!("step \"{}\" failed: {error:#}", step.name);
            }
        }
    }
    summary(&results, "all steps passed", total);
    Ok(())
}

fn summary(results: &[String], verdict: &str, total: Stopwatch) {
    eprintln!("\n==> summary");
    for line in results {
        eprintln!("{line}");
    }
    eprintln!(
        "==> {verdict} ({} in total)",
        format_duration(total.elapsed())
    );
}
