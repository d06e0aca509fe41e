//! ChromeDriver and a minimal W3C WebDriver client over HTTP.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::{eventually, free_port};

/// W3C key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running ChromeDriver; killed on drop.
#[derive(Debug)]
pub struct ChromeDriver {
    url: String,
    http: reqwest::Client,
    _child: Child,
}

fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

impl ChromeDriver {
    /// Starts `$CHROMEDRIVER` (default `/usr/bin/chromedriver`) on a free loopback port.
    pub async fn start() -> anyhow::Result<Self> {
        let binary = env_path("CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = free_port()?;
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (apt-get install chromium-driver)",
                    binary.display()
                )
            })?;
        let driver = Self {
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _child: child,
        };
        eventually(
            "ChromeDriver to be ready",
            Duration::from_secs(20),
            || async {
                let status: Value = driver
                    .http
                    .get(format!("{}/status", driver.url))
                    .send()
                    .await?
                    .json()
                    .await?;
                Ok(status["value"]["ready"]
                    .as_bool()
                    .unwrap_or(false)
                    .then_some(()))
            },
        )
        .await?;
        Ok(driver)
    }

    /// Opens a headless Chromium session with a fresh profile.
    pub async fn session(&self) -> anyhow::Result<Session> {
        let profile = tempfile::tempdir()?;
        let chromium = env_path("CHROMIUM", "/usr/bin/chromium");
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--window-size=1024,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let reply: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&caps)
            .send()
            .await?
            .json()
            .await?;
        let id = reply["value"]["sessionId"]
            .as_str()
            .with_context(|| format!("ChromeDriver refused a session: {reply}"))?;
        Ok(Session {
            base: format!("{}/session/{id}", self.url),
            http: self.http.clone(),
            _profile: profile,
        })
    }
}

/// A browser session.
#[derive(Debug)]
pub struct Session {
    base: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// A reference to an element of the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply: Value = request.send().await?.json().await?;
        if let Some(error) = reply["value"]["error"].as_str() {
            bail!("WebDriver {path}: {error}: {}", reply["value"]["message"]);
        }
        Ok(reply["value"].clone())
    }

    /// Navigates to `url`.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await
            .map(drop)
    }

    /// Finds an element by CSS selector, waiting up to 15 s for it to appear.
    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        eventually(
            &format!("element {css}"),
            Duration::from_secs(15),
            || async {
                let found = self
                    .command(
                        reqwest::Method::POST,
                        "/elements",
                        Some(json!({"using": "css selector", "value": css})),
                    )
                    .await?;
                Ok(found
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| Element(id.to_owned())))
            },
        )
        .await
    }

    /// Types `text` into an element.
    pub async fn type_into(&self, element: &Element, text: &str) -> anyhow::Result<()> {
        let path = format!("/element/{}/value", element.0);
        self.command(reqwest::Method::POST, &path, Some(json!({"text": text})))
            .await
            .map(drop)
    }

    /// Clicks an element.
    pub async fn click(&self, element: &Element) -> anyhow::Result<()> {
        let path = format!("/element/{}/click", element.0);
        self.command(reqwest::Method::POST, &path, Some(json!({})))
            .await
            .map(drop)
    }

    /// Reads an element's attribute (or property).
    pub async fn attribute(&self, element: &Element, name: &str) -> anyhow::Result<Value> {
        self.command(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        )
        .await
    }

    /// Runs a script in the page and returns its result.
    pub async fn execute(&self, script: &str) -> anyhow::Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Adds a WebDriver virtual authenticator (the WebAuthn extension of WebDriver): a
    /// platform authenticator (CTAP2, internal transport) that stores discoverable
    /// credentials and verifies the user without asking. Returns its id.
    pub async fn add_virtual_authenticator(&self) -> anyhow::Result<String> {
        let id = self
            .command(
                reqwest::Method::POST,
                "/webauthn/authenticator",
                Some(json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true,
                })),
            )
            .await?;
        id.as_str()
            .map(str::to_owned)
            .with_context(|| format!("no authenticator id in {id}"))
    }

    /// The credentials a virtual authenticator holds.
    pub async fn authenticator_credentials(
        &self,
        authenticator: &str,
    ) -> anyhow::Result<Vec<Value>> {
        let list = self
            .command(
                reqwest::Method::GET,
                &format!("/webauthn/authenticator/{authenticator}/credentials"),
                None,
            )
            .await?;
        Ok(list.as_array().cloned().unwrap_or_default())
    }

    /// Sets whether the virtual authenticator's user verification succeeds.
    pub async fn set_user_verified(
        &self,
        authenticator: &str,
        verified: bool,
    ) -> anyhow::Result<()> {
        self.command(
            reqwest::Method::POST,
            &format!("/webauthn/authenticator/{authenticator}/uv"),
            Some(json!({"isUserVerified": verified})),
        )
        .await
        .map(drop)
    }

    /// Runs `source` in every page this session loads from now on, before the page's own
    /// scripts (Chromium's DevTools `Page.addScriptToEvaluateOnNewDocument`, through
    /// ChromeDriver's `goog/cdp/execute`).
    pub async fn add_init_script(&self, source: &str) -> anyhow::Result<()> {
        self.command(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({
                "cmd": "Page.addScriptToEvaluateOnNewDocument",
                "params": {"source": source},
            })),
        )
        .await
        .map(drop)
    }

    /// The handle of the current window.
    pub async fn window_handle(&self) -> anyhow::Result<String> {
        let handle = self.command(reqwest::Method::GET, "/window", None).await?;
        Ok(handle.as_str().unwrap_or_default().to_owned())
    }

    /// The handles of every open window.
    pub async fn window_handles(&self) -> anyhow::Result<Vec<String>> {
        let handles = self
            .command(reqwest::Method::GET, "/window/handles", None)
            .await?;
        Ok(handles
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Makes `handle` the window that later commands act on.
    pub async fn switch_to_window(&self, handle: &str) -> anyhow::Result<()> {
        self.command(
            reqwest::Method::POST,
            "/window",
            Some(json!({"handle": handle})),
        )
        .await
        .map(drop)
    }

    /// Clears an element's value.
    pub async fn clear(&self, element: &Element) -> anyhow::Result<()> {
        let path = format!("/element/{}/clear", element.0);
        self.command(reqwest::Method::POST, &path, Some(json!({})))
            .await
            .map(drop)
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &Element) -> anyhow::Result<String> {
        let text = self
            .command(
                reqwest::Method::GET,
                &format!("/element/{}/text", element.0),
                None,
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// Saves a PNG screenshot.
    pub async fn screenshot(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use base64::Engine as _;
        let data = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let png =
            base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or_default())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Ends the session (closes the browser).
    pub async fn quit(&self) -> anyhow::Result<()> {
        self.http.delete(&self.base).send().await?;
        Ok(())
    }
}
