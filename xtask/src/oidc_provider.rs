//! The local OpenID provider (tests/oidc-provider: npm `oidc-provider`, pinned in its
//! package-lock.json): installed for the server's handler tests, the browser tests and the demo,
//! where it stands in for Google so social sign-in works without internet.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};

use anyhow::{Context, Result, bail};

use crate::process::{self, Env, probe};

/// The harness's folder, relative to the workspace root (the tests find it there too).
pub const DIR: &str = "tests/oidc-provider";

fn dir(env: &Env) -> PathBuf {
    env.root().join(DIR)
}

/// Installs `oidc-provider` into tests/oidc-provider/node_modules (`npm ci`, from the committed
/// lock file) unless it is there. Fails loudly when Node.js or npm are missing.
pub fn ensure_oidc_provider(env: &Env) -> Result<()> {
    let Some(node) = probe(env.command("node").arg("--version")) else {
        bail!(
            "Node.js is needed for the local OpenID provider ({DIR}); install it (Debian: \
             `apt-get install nodejs npm`)"
        );
    };
    let installed = dir(env).join("node_modules/oidc-provider/package.json");
    if installed.is_file() {
        eprintln!("==> oidc-provider (node {}, {DIR}): installed", node.trim());
        return Ok(());
    }
    if probe(env.command("npm").arg("--version")).is_none() {
        bail!(
            "npm is needed to install the local OpenID provider ({DIR}); install it (Debian: `apt-get install npm`)"
        );
    }
    eprintln!("==> installing oidc-provider (npm, into {DIR}/node_modules)");
    process::run(
        env.command("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir(env)),
    )
    .context("could not install oidc-provider from npm")?;
    if !installed.is_file() {
        bail!("npm ci ran, but {} is missing", installed.display());
    }
    Ok(())
}

/// A running provider; stopped on drop.
#[derive(Debug)]
pub struct Running {
    child: Child,
    /// Its issuer URL.
    pub issuer: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider on 127.0.0.1:`port` with one confidential client and waits until it
/// prints its ready line.
pub fn start(
    env: &Env,
    port: u16,
    client_id: &str,
    client_secret: &str,
    redirect_uris: &[String],
) -> Result<Running> {
    let uris = redirect_uris
        .iter()
        .map(|u| format!("\"{u}\""))
        .collect::<Vec<_>>()
        .join(",");
    let clients = format!(
        r#"[{{"client_id":"{client_id}","client_secret":"{client_secret}","redirect_uris":[{uris}]}}]"#
    );
    let mut child = env
        .command("node")
        .arg("provider.mjs")
        .args(["--port", &port.to_string(), "--clients", &clients])
        .current_dir(dir(env))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("could not start the local OpenID provider (node)")?;
    let stdout = child.stdout.take().context("no stdout from the provider")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("reading the provider's ready line")?;
    let issuer = line
        .split("\"issuer\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned);
    match issuer {
        Some(issuer) => Ok(Running { child, issuer }),
        None => {
            let _ = child.kill();
            bail!("the local OpenID provider did not start on port {port} (in use?); got {line:?}")
        }
    }
}
