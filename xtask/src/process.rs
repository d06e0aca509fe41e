//! Running child processes: the repository root, a `PATH` that includes cargo's bin directory,
//! and a stopwatch for progress output.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// npm tools live here, below the git-ignored target folder.
const TOOLS_DIR: &str = "target/tools";

/// Where commands run and which `PATH` they see.
#[derive(Debug)]
pub struct Env {
    root: PathBuf,
    path: OsString,
    cargo: OsString,
}

impl Env {
    /// The workspace root (the parent of this crate) and a `PATH` with `$CARGO_HOME/bin` in
    /// front, so tools that `cargo install` just put there are found even when a fresh shell
    /// has not added that directory yet.
    pub fn discover() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("xtask must live one level below the workspace root")?
            .to_path_buf();
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect())
            .unwrap_or_default();
        if let Some(bin) = cargo_bin_dir()
            && !dirs.contains(&bin)
        {
            dirs.insert(0, bin);
        }
        // Tools installed from npm for this repository only (binaryen's wasm-opt).
        dirs.insert(0, root.join(TOOLS_DIR).join("node_modules").join(".bin"));
        let path = std::env::join_paths(dirs).context("PATH contains an invalid entry")?;
        // `cargo run` tells us which cargo it is; use the same one for nested builds.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Self { root, path, cargo })
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where npm tools for this repository are installed (`npm install --prefix`).
    pub fn tools_dir(&self) -> PathBuf {
        self.root.join(TOOLS_DIR)
    }

    /// A command for `program`, run in the workspace root with our `PATH`.
    pub fn command(&self, program: impl Into<OsString>) -> Command {
        let mut command = Command::new(program.into());
        command.current_dir(&self.root).env("PATH", &self.path);
        command
    }

    /// `cargo <args>`, with the cargo that runs xtask.
    pub fn cargo<const N: usize>(&self, args: [&str; N]) -> Command {
        let mut command = self.command(&self.cargo);
        command.args(args);
        command
    }
}

/// `$CARGO_HOME/bin`, defaulting to `~/.cargo/bin` as rustup does.
fn cargo_bin_dir() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .map(|home| home.join("bin"))
}

/// Runs `command` with inherited stdio, echoing it first; fails unless it exits with 0.
pub fn run(command: &mut Command) -> Result<()> {
    let line = describe(command);
    eprintln!("    $ {line}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{line}` (is it installed and on PATH?)"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// Runs `command` quietly and returns its stdout if it exits with 0; `None` if it is missing
/// or fails. Used to detect installed tools.
pub fn probe(command: &mut Command) -> Option<String> {
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The command line as a person would type it (without environment or directory).
pub fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(
            command
                .get_args()
                .map(|arg| arg.to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// Measures how long a step took, for the progress lines and the summary.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    /// The workspace bans `Instant::now` so that product logic takes an injected clock and tests
    /// never depend on real time. xtask only reports to a person how long a build step took, so
    /// reading the real clock is exactly what we want here, in this one place.
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Self {
        Self(Instant::now())
    }

    pub fn elapsed(self) -> Duration {
        self.0.elapsed()
    }
}

/// `1m 05s`, `42s`, `0.4s`.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else if secs >= 10 {
        format!("{secs}s")
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations_for_people() {
        assert_eq!(format_duration(Duration::from_millis(400)), "0.4s");
        assert_eq!(format_duration(Duration::from_secs(42)), "42s");
        assert_eq!(format_duration(Duration::from_secs(65)), "1m 05s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "60m 00s");
    }

    #[test]
    fn describes_commands_without_the_program_path() {
        let mut command = Command::new("/usr/bin/cargo");
        command.args(["fmt", "--all"]);
        assert_eq!(describe(&command), "cargo fmt --all");
    }
}
