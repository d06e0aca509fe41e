//! The local OpenID provider (npm `oidc-provider`, `tests/oidc-provider/provider.mjs`) that
//! stands in for Google and for an organization's identity provider.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, ensure};
use serde_json::Value;
use tokio::io::AsyncBufReadExt as _;

/// A client registered at the provider: our server as relying party.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    /// Its client id at the provider.
    pub client_id: String,
    /// Its client secret at the provider.
    pub client_secret: String,
    /// Where the provider may send the browser back (our server's callback).
    pub redirect_uri: String,
}

/// A running provider on 127.0.0.1; killed on drop.
#[derive(Debug)]
pub struct OidcProvider {
    /// Its issuer URL, `http://127.0.0.1:PORT`.
    pub issuer: String,
    _child: tokio::process::Child,
    // Kept open: the provider writes notices after the ready line.
    _stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl OidcProvider {
    /// Starts the provider on `port` (0: any) with one relying party and waits until it
    /// serves. Needs Node.js and `npm ci` in `tests/oidc-provider` (`cargo xtask test` does it).
    pub async fn start(port: u16, rp: &RelyingParty) -> anyhow::Result<Self> {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/oidc-provider"));
        ensure!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the local OpenID provider is not installed: run `cargo xtask install` (or `npm ci` in {})",
            dir.display()
        );
        let clients = serde_json::json!([{
            "client_id": rp.client_id,
            "client_secret": rp.client_secret,
            "redirect_uris": [rp.redirect_uri],
        }]);
        let mut child = tokio::process::Command::new("node")
            .arg("provider.mjs")
            .args([
                "--clients",
                &clients.to_string(),
                "--port",
                &port.to_string(),
            ])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("running `node` (Node.js 20+ is needed for the local OpenID provider)")?;
        let stdout = child.stdout.take().context("the provider's stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .context("the OpenID provider did not start within 30 s")??
            .context("the OpenID provider exited before it was ready")?;
        let ready: Value = serde_json::from_str(&line)
            .with_context(|| format!("the provider's ready line: {line}"))?;
        let issuer = ready["issuer"]
            .as_str()
            .with_context(|| format!("no issuer in {line}"))?
            .to_owned();
        Ok(Self {
            issuer,
            _child: child,
            _stdout: lines,
        })
    }
}
