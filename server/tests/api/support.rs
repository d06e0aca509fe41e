use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use server::clock::ManualClock;
use server::config::Config;
use server::crypto::{MasterKey, OsRandom, pkce_challenge};
use server::{AppState, Services};
use tower::ServiceExt as _;

pub const ORIGIN: &str = "http://auth.test";
pub const T0: i64 = 1_800_000_000;

pub struct TestApp {
    pub state: AppState,
    pub clock: ManualClock,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

pub fn services(clock: &ManualClock) -> Services {
    Services {
        clock: std::sync::Arc::new(clock.clone()),
        rng: std::sync::Arc::new(OsRandom::default()),
    }
}

pub fn config(dir: &tempfile::TempDir) -> Config {
    Config {
        demo: true,
        data_dir: dir.path().to_owned(),
        public_url: Some(ORIGIN.to_owned()),
        master_key: Some(MasterKey::generate_base64(&OsRandom::default()).unwrap()),
        ..Config::default()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::with_config(config(&dir), dir).await
    }

    pub async fn with_config(config: Config, dir: tempfile::TempDir) -> Self {
        Self::with_config_at(config, dir, T0).await
    }

    /// A fresh app whose clock starts at `now` (e.g. an outside provider's time).
    pub async fn at(now: i64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::with_config_at(config(&dir), dir, now).await
    }

    pub async fn with_config_at(config: Config, dir: tempfile::TempDir, now: i64) -> Self {
        let clock = ManualClock::new(now);
        let state = server::start(config, services(&clock)).await.unwrap();
        Self {
            state,
            clock,
            _dir: dir,
        }
    }

    /// The same app with a changed state (e.g. other limits).
    pub fn from_state(state: AppState, app: TestApp) -> Self {
        Self {
            state,
            clock: app.clock,
            _dir: app._dir,
        }
    }

    pub fn router(&self) -> Router {
        server::app(self.state.clone())
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Body>,
    ) -> Reply {
        self.call_from([127, 0, 0, 1], method, uri, headers, body)
            .await
    }

    /// Like [`TestApp::call`], from the TCP peer `ip`.
    pub async fn call_from(
        &self,
        ip: [u8; 4],
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Body>,
    ) -> Reply {
        let peer = std::net::SocketAddr::from((ip, 40000));
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .extension(axum::extract::ConnectInfo(peer));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.unwrap_or_else(Body::empty)).unwrap();
        let res = self.router().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Any request; returns the status, the body as text and the `Location` header.
    pub async fn raw_request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Body>,
    ) -> (StatusCode, String, Option<String>) {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = self
            .router()
            .oneshot(req.body(body.unwrap_or_else(Body::empty)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            String::from_utf8_lossy(&bytes).into_owned(),
            location,
        )
    }

    /// A browser POST from the demo page's origin.
    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.post_from([127, 0, 0, 1], uri, body).await
    }

    /// A browser POST from the demo page's origin, from the TCP peer `ip`.
    pub async fn post_from(&self, ip: [u8; 4], uri: &str, body: Value) -> Reply {
        self.call_from(
            ip,
            Method::POST,
            uri,
            &[("content-type", "application/json"), ("origin", ORIGIN)],
            Some(Body::from(body.to_string())),
        )
        .await
    }

    pub async fn get(&self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        self.call(Method::GET, uri, headers, None).await
    }

    /// Starts an email code sign-in; returns (state, verifier).
    pub async fn send_code(&self, email: &str) -> (String, String) {
        let verifier = format!("verifier-{email}-0123456789abcdefghijklmnopqrstuvwxyz");
        let reply = self
            .post(
                "/api/v1/auth/passwordless/magic-otp/send?client_id=demo",
                json!({"email": email, "code_challenge": pkce_challenge(&verifier), "code_challenge_method": "S256"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        (reply.body["state"].as_str().unwrap().to_owned(), verifier)
    }

    /// The newest code emailed to `email` (from the dev mailbox).
    pub fn last_code(&self, email: &str) -> String {
        let messages = self.state.auth.mailer.dev_mailbox().unwrap().messages();
        let message = messages.iter().find(|m| m.to == email).expect("no email");
        message
            .subject
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }

    pub async fn verify(&self, state: &str, otp: &str) -> Reply {
        self.post(
            "/api/v1/auth/passwordless/email-otp/verify?client_id=demo",
            json!({"state": state, "otp": otp}),
        )
        .await
    }

    /// Signs in by email code and returns the token response.
    pub async fn sign_in(&self, email: &str) -> Value {
        let code = self.auth_code(email).await;
        let (auth_code, verifier) = code;
        let reply = self
            .get(&format!("/api/v1/sso/oauth/accesstoken?client_id=demo&code={auth_code}&code_verifier={verifier}"), &[])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.body
    }

    /// Runs the code flow up to the authorization code; returns (code, verifier).
    pub async fn auth_code(&self, email: &str) -> (String, String) {
        let (state, verifier) = self.send_code(email).await;
        let reply = self
            .verify(&state, &self.last_code(&email.to_lowercase()))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        (reply.body["code"].as_str().unwrap().to_owned(), verifier)
    }
}

/// Decodes a JWT part without checking anything (tests only).
pub fn jwt_part(token: &str, index: usize) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}
