//! Installs the tools the build and the tests need, when they are missing, from the registries a
//! fresh machine can reach: rustup, crates.io (`cargo install`), Debian (`apt-get`), PyPI and npm.
//! Nothing here downloads prebuilt binaries from elsewhere, and trunk later runs with `--offline`
//! so it uses these tools instead of fetching its own.
//!
//! Each tool is detected by running it (`trunk --version`, ...), so a second run only costs a
//! few quick probes. Quick installs come first and the slow `cargo install`s last, so a machine
//! that cannot install Chromium fails in seconds, not after a quarter of an hour.

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::lockfile;
use crate::process::{Env, probe, run};

/// The binaryen release widget/Trunk.toml requires.
pub const BINARYEN_VERSION: &str = "132";
/// trunk 0.22 needs a newer rustc than the workspace's 1.95.
pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian's `chromium` and `chromium-driver` packages install here.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What the caller is about to do, and so which tools it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Build the widget and run the server.
    Build,
    /// Everything for `Build`, plus the browser and the SMTP sink the tests use.
    Test,
}

/// Makes sure every tool for `needs` is installed, installing what is missing.
pub fn ensure_tools(env: &Env, needs: Needs) -> Result<()> {
    // Read first: a lock file without wasm-bindgen is a setup error worth reporting at once.
    let wasm_bindgen = lockfile::wasm_bindgen_version(&env.root().join("Cargo.lock"))?;
    let mut installer = Installer {
        env,
        apt_updated: false,
    };
    installer.ensure_wasm_target()?;
    installer.ensure_wasm_opt()?;
    crate::oidc_provider::ensure_oidc_provider(env)?;
    if needs == Needs::Test {
        installer.ensure_chromium()?;
        installer.ensure_aiosmtpd()?;
        crate::edge::ensure_workerd(env)?;
    }
    installer.ensure_wasm_bindgen_cli(&wasm_bindgen)?;
    installer.ensure_trunk()?;
    Ok(())
}

#[derive(Debug)]
struct Installer<'a> {
    env: &'a Env,
    /// `apt-get update` runs at most once per xtask run, before the first install.
    apt_updated: bool,
}

impl Installer<'_> {
    fn ensure_wasm_target(&self) -> Result<()> {
        let installed = probe(
            self.env
                .command("rustup")
                .args(["target", "list", "--installed"]),
        )
        .context(
            "`rustup target list --installed` failed; rustup is needed to add the wasm32 target",
        )?;
        if installed.lines().any(|line| line.trim() == WASM_TARGET) {
            eprintln!("==> rustup target {WASM_TARGET}: installed");
            return Ok(());
        }
        eprintln!("==> adding rustup target {WASM_TARGET} (takes ~30 s)");
        run(self
            .env
            .command("rustup")
            .args(["target", "add", WASM_TARGET]))
        .with_context(|| format!("could not add the rustup target {WASM_TARGET}"))
    }

    fn ensure_trunk(&self) -> Result<()> {
        let found = tool_version(self.env.command("trunk").arg("--version"));
        // Any 0.21.x from 0.21.14 on works (system tools, `--offline`); do not downgrade a
        // newer trunk someone installed on purpose.
        if let Some(version) = &found
            && at_least(version, TRUNK_VERSION)
        {
            eprintln!("==> trunk {version}: installed");
            return Ok(());
        }
        eprintln!(
            "==> installing trunk {TRUNK_VERSION}{} (takes ~11 min on 2 cores)",
            found_note(found.as_deref())
        );
        run(&mut self.cargo_install("trunk", TRUNK_VERSION, true))
            .with_context(|| format!("could not install trunk {TRUNK_VERSION}"))?;
        match tool_version(self.env.command("trunk").arg("--version")) {
            Some(version) if at_least(&version, TRUNK_VERSION) => Ok(()),
            other => bail!(
                "installed trunk {TRUNK_VERSION}, but `trunk --version` reports {}; is ~/.cargo/bin on PATH?",
                other.as_deref().unwrap_or("nothing")
            ),
        }
    }

    /// wasm-bindgen-cli must be exactly the version of the `wasm-bindgen` crate in Cargo.lock:
    /// trunk refuses any other in offline mode, and the generated JS glue must match the library.
    /// The same package provides `wasm-bindgen-test-runner` for the widget's browser tests.
    fn ensure_wasm_bindgen_cli(&self, version: &str) -> Result<()> {
        let found = tool_version(self.env.command("wasm-bindgen").arg("--version"));
        if found.as_deref() == Some(version) {
            eprintln!("==> wasm-bindgen-cli {version} (as in Cargo.lock): installed");
            return Ok(());
        }
        eprintln!(
            "==> installing wasm-bindgen-cli {version} to match Cargo.lock{} (takes ~3 min on 2 cores)",
            found_note(found.as_deref())
        );
        if let Err(error) = run(&mut self.cargo_install("wasm-bindgen-cli", version, true)) {
            // Its lock file can name a dependency version the registry no longer serves.
            eprintln!("==> `--locked` install failed ({error:#}); retrying without --locked");
            run(&mut self.cargo_install("wasm-bindgen-cli", version, false))
                .with_context(|| format!("could not install wasm-bindgen-cli {version}"))?;
        }
        match tool_version(self.env.command("wasm-bindgen").arg("--version")) {
            Some(now) if now == version => Ok(()),
            other => bail!(
                "installed wasm-bindgen-cli {version}, but `wasm-bindgen --version` reports {}; \
                 is ~/.cargo/bin on PATH?",
                other.as_deref().unwrap_or("nothing")
            ),
        }
    }

    /// trunk takes the first `wasm-opt` on PATH and widget/Trunk.toml requires binaryen 132:
    /// Debian's binaryen 108 corrupts today's wasm-bindgen output (see widget/Trunk.toml). npm's
    /// `binaryen` package ships it; it goes into `target/tools`, which `Env` puts first on PATH.
    fn ensure_wasm_opt(&mut self) -> Result<()> {
        let env = self.env;
        let wasm_opt = || probe(env.command("wasm-opt").arg("--version"));
        let fits = |version: &str| version.contains(&format!("version {BINARYEN_VERSION}"));
        if let Some(version) = wasm_opt().filter(|v| fits(v)) {
            eprintln!("==> {}: installed", version.trim());
            return Ok(());
        }
        eprintln!(
            "==> installing wasm-opt (npm package binaryen@{BINARYEN_VERSION}) into target/tools"
        );
        let prefix = env.tools_dir();
        std::fs::create_dir_all(&prefix)
            .with_context(|| format!("creating {}", prefix.display()))?;
        run(env
            .command("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .arg(format!("binaryen@{BINARYEN_VERSION}.0.0")))
        .context("could not install binaryen from npm")?;
        match wasm_opt() {
            Some(version) if fits(&version) => Ok(()),
            other => bail!(
                "installed binaryen {BINARYEN_VERSION}, but `wasm-opt --version` reports {}",
                other.as_deref().unwrap_or("nothing")
            ),
        }
    }

    fn ensure_chromium(&mut self) -> Result<()> {
        let env = self.env;
        let present = |path: &str| probe(env.command(path).arg("--version"));
        if let (Some(chromium), Some(driver)) = (present(CHROMIUM), present(CHROMEDRIVER)) {
            eprintln!(
                "==> {} and {}: installed",
                chromium.trim(),
                first_words(&driver, 2)
            );
            return Ok(());
        }
        eprintln!("==> installing chromium and chromium-driver (Debian packages, takes ~1 min)");
        self.apt_install(&["chromium", "chromium-driver"])
            .context("could not install Chromium and ChromeDriver, which the browser tests need")?;
        for path in [CHROMIUM, CHROMEDRIVER] {
            if present(path).is_none() {
                bail!("installed chromium and chromium-driver, but `{path} --version` fails");
            }
        }
        Ok(())
    }

    /// The end-to-end tests read real emails through an `aiosmtpd` SMTP sink.
    fn ensure_aiosmtpd(&mut self) -> Result<()> {
        let env = self.env;
        let importable = || probe(env.command("python3").args(["-c", "import aiosmtpd"])).is_some();
        if importable() {
            eprintln!("==> python3 module aiosmtpd: installed");
            return Ok(());
        }
        eprintln!("==> installing aiosmtpd (PyPI, for python3)");
        let pip = run(self.env.command("python3").args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "aiosmtpd",
        ]));
        if let Err(error) = pip {
            // Debian's own python3 refuses pip installs (PEP 668) but packages aiosmtpd.
            eprintln!("==> pip failed ({error:#}); trying Debian package python3-aiosmtpd");
            self.apt_install(&["python3-aiosmtpd"])
                .context("could not install aiosmtpd with pip or apt-get")?;
        }
        if !importable() {
            bail!("installed aiosmtpd, but `python3 -c \"import aiosmtpd\"` still fails");
        }
        Ok(())
    }

    /// `cargo install <krate> --version <version> [--locked] --force`. We only get here when the
    /// binary is missing or answers with another version, so `--force` overrides cargo's record
    /// of what it installed before.
    fn cargo_install(&self, krate: &str, version: &str, locked: bool) -> Command {
        let mut command = self
            .env
            .cargo(["install", krate, "--version", version, "--force"]);
        if locked {
            command.arg("--locked");
        }
        command
    }

    /// `apt-get update` (once per run), then `apt-get install -y <packages>`, non-interactive.
    fn apt_install(&mut self, packages: &[&str]) -> Result<()> {
        if !self.apt_updated {
            self.apt_updated = true;
            if let Err(error) = run(self.apt_get()?.arg("update")) {
                // Stale package lists may still do; the install below says if not.
                eprintln!("==> warning: {error:#}");
            }
        }
        run(self.apt_get()?.args(["install", "-y"]).args(packages))
    }

    /// `apt-get` with `DEBIAN_FRONTEND=noninteractive` and no stdin (CI has none), through
    /// `sudo` only when we are not root.
    fn apt_get(&self) -> Result<Command> {
        let root = probe(self.env.command("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
        let mut command = if root {
            self.env.command("apt-get")
        } else if probe(self.env.command("sudo").arg("--version")).is_some() {
            // sudo resets the environment, so pass the variable through `env`.
            let mut command = self.env.command("sudo");
            command.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            command
        } else {
            bail!("apt-get needs root: run as root or install sudo");
        };
        command
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null());
        Ok(command)
    }
}

/// The version a `<tool> --version` prints as its second word (`trunk 0.21.14`,
/// `wasm-bindgen 0.2.130`), if the tool runs.
fn tool_version(command: &mut Command) -> Option<String> {
    let output = probe(command)?;
    output.split_whitespace().nth(1).map(str::to_owned)
}

/// ` (found 0.2.100)` or ` (not found)`, for the install line.
fn found_note(found: Option<&str>) -> String {
    match found {
        Some(version) => format!(" (found {version})"),
        None => " (not found)".to_owned(),
    }
}

/// `version >= minimum`, comparing dotted numbers; anything unparsable is too old.
fn at_least(version: &str, minimum: &str) -> bool {
    let parse = |text: &str| -> Option<Vec<u64>> {
        text.split('.')
            .map(|part| part.parse().ok())
            .collect::<Option<Vec<_>>>()
    };
    match (parse(version), parse(minimum)) {
        (Some(version), Some(minimum)) => version >= minimum,
        _ => false,
    }
}

fn first_words(text: &str, count: usize) -> String {
    text.split_whitespace()
        .take(count)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_versions_numerically() {
        assert!(at_least("0.21.14", "0.21.14"));
        assert!(at_least("0.21.100", "0.21.14"));
        assert!(at_least("0.22.0", "0.21.14"));
        assert!(!at_least("0.21.9", "0.21.14"));
        assert!(!at_least("0.21.14-beta", "0.21.14"));
    }

    #[test]
    fn reads_the_second_word_of_version_output() {
        let mut command = Command::new("echo");
        command.arg("wasm-bindgen 0.2.130");
        assert_eq!(tool_version(&mut command).as_deref(), Some("0.2.130"));
        assert_eq!(tool_version(&mut Command::new("no-such-tool-here")), None);
    }
}
