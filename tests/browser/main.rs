//! End-to-end: the real server sending over SMTP to a real SMTP sink, the trunk-built widget
//! in headless Chromium, and the verifier crate checking the resulting token.
//!
//! Needs `widget/dist` (built by `cargo xtask test` before this runs), Chromium, ChromeDriver
//! and python3 with aiosmtpd; `cargo xtask test` installs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may fail loudly

mod cross_origin;
mod email_code;
mod magic_link;
mod passkeys;
mod sms;
mod social;

use std::net::SocketAddr;
use std::path::PathBuf;

use std::time::Duration;

use anyhow::Context as _;
use e2e::eventually;
use e2e::smtp::SmtpSink;
use e2e::webdriver::{ChromeDriver, Session};
use server::config::{Config, SmtpConfig, SmtpSecurity};

/// The real server on 127.0.0.1 with an ephemeral port; stops when dropped.
#[derive(Debug)]
pub struct RunningServer {
    pub url: String,
    pub state: server::AppState,
    task: tokio::task::JoinHandle<()>,
    _data: tempfile::TempDir,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn widget_dist() -> anyhow::Result<PathBuf> {
    let dist = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../widget/dist"));
    anyhow::ensure!(
        dist.join("ssojet.js").is_file() && dist.join("widget_bg.wasm").is_file(),
        "{} has no built widget: run `cargo xtask test` (it runs `trunk build --release` first)",
        dist.display()
    );
    Ok(dist)
}

/// Starts the server in demo mode (demo client and page) but sending mail over SMTP to `smtp`
/// and, when given, text messages to an HTTP SMS provider.
pub async fn start_server(
    smtp: &SmtpSink,
    sms: Option<server::sms::SmsConfig>,
) -> anyhow::Result<RunningServer> {
    let data = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = Config {
        bind: addr,
        public_url: Some(format!("http://{addr}")),
        data_dir: data.path().to_owned(),
        demo: true,
        widget_dir: Some(widget_dist()?),
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: smtp.port,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: "Demo app <login@example.test>".into(),
        }),
        sms,
        ..Config::default()
    };
    let state = server::start(config, server::Services::real())
        .await
        .context("starting the server")?;
    let app = server::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(RunningServer {
        url: format!("http://{addr}"),
        state,
        task,
        _data: data,
    })
}

/// What most tests need: an SMTP sink, the server sending to it, ChromeDriver and a browser.
#[derive(Debug)]
pub struct Bench {
    pub smtp: SmtpSink,
    pub server: RunningServer,
    pub browser: Session,
    pub driver: ChromeDriver,
}

impl Bench {
    /// Starts everything, the server with an HTTP SMS provider when `sms` is given.
    pub async fn start(sms: Option<server::sms::SmsConfig>) -> anyhow::Result<Self> {
        let smtp = SmtpSink::start().await?;
        let server = start_server(&smtp, sms).await?;
        let driver = ChromeDriver::start().await?;
        let browser = driver.session().await?;
        Ok(Self {
            smtp,
            server,
            browser,
            driver,
        })
    }
}

/// Where screenshots go, to look at after a run.
pub fn screenshot_path(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/e2e-screenshots"
    ))
    .join(format!("{name}.png"))
}

/// Waits for the page's `ssojet:login` event (the demo page keeps its detail in
/// `window.__ssojetLogin`) and returns its detail.
pub async fn login_detail(browser: &Session) -> anyhow::Result<serde_json::Value> {
    eventually(
        "the ssojet:login event",
        Duration::from_secs(30),
        || async {
            let value = browser
                .execute("return window.__ssojetLogin || null;")
                .await?;
            Ok((!value.is_null()).then_some(value))
        },
    )
    .await
}
