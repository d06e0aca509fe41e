//! Social login and enterprise SSO against a REAL OpenID provider: npm `oidc-provider` (see
//! tests/oidc-provider/provider.mjs), started per test on 127.0.0.1 and killed when the test
//! ends. The provider's login and consent pages are driven over HTTP with a cookie jar.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::clock::Clock as _;
use server::crypto::pkce_challenge;
use server::oidc::NewProvider;
use server::secret::SecretString;
use tokio::io::AsyncBufReadExt as _;

use crate::support::{ORIGIN, TestApp, jwt_part};

const RP_ID: &str = "ssojet-rp";
const RP_SECRET: &str = "ssojet-rp-secret-0123456789";
const VERIFIER: &str = "widget-verifier-0123456789abcdefghijklmnopqrstuvwxyz";

/// A running provider; killed on drop.
struct Provider {
    issuer: String,
    now: i64,
    child: tokio::process::Child,
    /// Kept open so the provider's later output has a reader.
    _stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl Provider {
    /// Stops the provider and waits until it is gone (its port refuses connections).
    async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }
}

fn harness_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc-provider")
}

/// Starts the provider with `clients` (on `port`, 0 for any) and waits for its ready line.
async fn start_provider(clients: &Value, port: u16, id_token_ttl: u32) -> Provider {
    start_provider_with(clients, port, id_token_ttl, &[]).await
}

/// Like [`start_provider`], with more command-line flags.
async fn start_provider_with(
    clients: &Value,
    port: u16,
    id_token_ttl: u32,
    flags: &[&str],
) -> Provider {
    let dir = harness_dir();
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "the local OpenID provider is not installed: run `cargo xtask install` (or `npm ci` in {})",
        dir.display()
    );
    let mut child = tokio::process::Command::new("node")
        .arg("provider.mjs")
        .args(["--clients", &clients.to_string()])
        .args(["--port", &port.to_string()])
        .args(["--id-token-ttl", &id_token_ttl.to_string()])
        .args(flags)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("could not run `node` (Node.js 20+ is needed): {e}"));
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the OpenID provider did not start within 30 s")
        .unwrap()
        .expect("the OpenID provider exited before it was ready");
    let ready: Value = serde_json::from_str(&line).unwrap();
    Provider {
        issuer: ready["issuer"].as_str().unwrap().to_owned(),
        now: ready["now"].as_i64().unwrap(),
        child,
        _stdout: lines,
    }
}

fn callback_uri(provider_path: &str) -> String {
    format!("{ORIGIN}/api/v1/auth/oauth/{provider_path}/callback")
}

/// The clients of the stand-in for Google: our relying party (for the `google` and `generic`
/// slugs of the demo client) and another one.
fn social_clients() -> Value {
    json!([
        {"client_id": RP_ID, "client_secret": RP_SECRET,
         "redirect_uris": [callback_uri("google"), callback_uri("generic")]},
        {"client_id": "other-rp", "client_secret": "other-rp-secret-0123456789", "redirect_uris": ["http://other.test/cb"]}
    ])
}

/// Registers `provider` as the demo client's `slug` provider with `preset`.
async fn add_social(app: &TestApp, provider: &Provider, slug: &str, preset: &str) {
    app.state
        .auth
        .add_provider(
            "demo",
            slug,
            &NewProvider {
                preset: preset.into(),
                issuer: Some(provider.issuer.clone()),
                oidc_client_id: RP_ID.into(),
                oidc_client_secret: Some(SecretString::new(RP_SECRET)),
                name: (preset == "oidc").then(|| "Generic".to_owned()),
                ..NewProvider::default()
            },
        )
        .await
        .unwrap();
}

/// A provider with our relying party registered for the `google` slug (Google preset) of the
/// demo client; the server's clock starts at the provider's time.
async fn google_setup(id_token_ttl: u32) -> (TestApp, Provider) {
    let provider = start_provider(&social_clients(), 0, id_token_ttl).await;
    let app = TestApp::at(provider.now).await;
    add_social(&app, &provider, "google", "google").await;
    (app, provider)
}

/// [`google_setup`] plus the same provider as the `generic` slug (`oidc` preset, whose
/// `email_verified` is taken as it is).
async fn generic_setup() -> (TestApp, Provider) {
    let (app, provider) = google_setup(3600).await;
    add_social(&app, &provider, "generic", "oidc").await;
    (app, provider)
}

const ACME_SECRET: &str = "acme-rp-secret-0123456789";

/// An organization `Acme` (domains `acme.test`, `acme-corp.test`) with its own provider.
async fn acme_setup(app: &TestApp) -> (server::store::OrganizationRow, Provider) {
    // The provider's port is chosen first, because the organization's callback (which the
    // provider must know) names the organization's id.
    let port = free_port();
    let org = app
        .state
        .auth
        .create_organization(
            "Acme",
            &["acme.test".to_owned(), "ACME-corp.test".to_owned()],
            &NewProvider {
                preset: "oidc".into(),
                issuer: Some(format!("http://127.0.0.1:{port}")),
                oidc_client_id: "acme-rp".into(),
                oidc_client_secret: Some(SecretString::new(ACME_SECRET)),
                ..NewProvider::default()
            },
        )
        .await
        .unwrap();
    let acme = start_provider(
        &json!([{"client_id": "acme-rp", "client_secret": ACME_SECRET,
                 "redirect_uris": [callback_uri(&org.id)]}]),
        port,
        3600,
    )
    .await;
    (org, acme)
}

/// A loopback port nobody listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An organization whose connection's issuer is `issuer` (no provider behind it).
async fn org_at(app: &TestApp, name: &str, domain: &str, issuer: &str) -> String {
    app.state
        .auth
        .create_organization(
            name,
            &[domain.to_owned()],
            &NewProvider {
                preset: "oidc".into(),
                issuer: Some(issuer.to_owned()),
                oidc_client_id: "rp".into(),
                ..NewProvider::default()
            },
        )
        .await
        .unwrap()
        .id
}

fn authorize_uri(provider_path: &str, redirect_uri: &str, login_hint: Option<&str>) -> String {
    let mut query = vec![
        ("client_id", "demo".to_owned()),
        ("code_challenge", pkce_challenge(VERIFIER)),
        ("code_challenge_method", "S256".to_owned()),
        ("redirect_uri", redirect_uri.to_owned()),
        ("state", "widget-state-1".to_owned()),
    ];
    if let Some(hint) = login_hint {
        query.push(("login_hint", hint.to_owned()));
    }
    format!(
        "/api/v1/auth/oauth/{provider_path}/authorize?{}",
        serde_urlencoded::to_string(&query).unwrap()
    )
}

/// Starts a sign-in; returns the provider URL the server redirected to.
async fn authorize(app: &TestApp, provider_path: &str) -> String {
    let (status, body, location) = app
        .raw_request(
            Method::GET,
            &authorize_uri(provider_path, &format!("{ORIGIN}/"), None),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    location.unwrap()
}

/// A browser at the provider: follows redirects by hand, keeps cookies.
struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
    ) -> (StatusCode, Option<String>, String) {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header("cookie", cookie).send().await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap())
    }

    /// Absolute URL of a provider page's link or form action.
    fn absolute(base: &str, url: &str) -> String {
        reqwest::Url::parse(base)
            .unwrap()
            .join(url)
            .unwrap()
            .to_string()
    }

    /// Follows the provider's pages from `url`, signing in as `login` and consenting, until a
    /// redirect leaves the provider (to our callback); returns that URL. With `cancel`, clicks
    /// the login page's "[ Cancel ]" link instead.
    async fn sign_in(&mut self, mut url: String, login: &str, cancel: bool) -> String {
        for _ in 0..20 {
            if url.starts_with(ORIGIN) {
                return url;
            }
            let (status, location, body) = self.send(self.http.get(&url)).await;
            if let Some(next) = location {
                url = Self::absolute(&url, &next);
                continue;
            }
            assert_eq!(status, StatusCode::OK, "{url}: {body}");
            let action = body
                .split("action=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("no form at {url}: {body}"))
                .to_owned();
            let form: Vec<(&str, &str)> = if body.contains("name=\"prompt\" value=\"login\"") {
                if cancel {
                    let abort = body
                        .split("href=\"")
                        .find_map(|rest| rest.split('"').next().filter(|h| h.ends_with("/abort")))
                        .unwrap()
                        .to_owned();
                    url = Self::absolute(&url, &abort);
                    continue;
                }
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            } else if body.contains("name=\"prompt\" value=\"consent\"") {
                vec![("prompt", "consent")]
            } else {
                panic!("unexpected page at {url}: {body}");
            };
            let target = Self::absolute(&url, &action);
            let (_, location, body) = self.send(self.http.post(&target).form(&form)).await;
            url = Self::absolute(
                &target,
                &location.unwrap_or_else(|| panic!("no redirect after the form: {body}")),
            );
        }
        panic!("too many redirects at the provider");
    }
}

/// Gives the provider's redirect to our callback; returns (status, body, Location).
async fn callback(app: &TestApp, url: &str) -> (StatusCode, String, Option<String>) {
    let path = url.strip_prefix(ORIGIN).unwrap();
    app.raw_request(Method::GET, path, &[], None).await
}

fn query_of(url: &str) -> HashMap<String, String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The whole flow up to our redirect back to the widget; returns its query.
async fn federated(app: &TestApp, provider_path: &str, login: &str) -> HashMap<String, String> {
    let at_provider = authorize(app, provider_path).await;
    let back = Browser::new().sign_in(at_provider, login, false).await;
    let (status, body, location) = callback(app, &back).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert!(location.starts_with(&format!("{ORIGIN}/?")), "{location}");
    query_of(&location)
}

async fn exchange(app: &TestApp, code: &str) -> Value {
    let reply = app
        .get(
            &format!(
                "/api/v1/sso/oauth/accesstoken?client_id=demo&code={code}&code_verifier={VERIFIER}"
            ),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    jwt_part(reply.body["access_token"].as_str().unwrap(), 1)
}

#[tokio::test]
async fn google_sign_in_ends_in_a_pkce_bound_code_with_fed() {
    let (app, _provider) = google_setup(3600).await;
    let at_provider = authorize(&app, "google").await;
    let params = query_of(&at_provider);
    assert_eq!(params["client_id"], RP_ID);
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params["state"].len() >= 43 && params["nonce"].len() >= 43);
    assert_eq!(params["scope"], "openid email profile");

    let back = Browser::new()
        .sign_in(at_provider, "alice@gmail.com", false)
        .await;
    let (status, body, location) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let query = query_of(&location.unwrap());
    assert_eq!(query["state"], "widget-state-1");
    let claims = exchange(&app, &query["code"]).await;
    assert_eq!(claims["amr"], json!(["fed"]));
    assert_eq!(claims["email"], "alice@gmail.com");
    assert!(claims.get("org_id").is_none());

    // A new user: created, linked and signed in, each audited with the IP.
    let user = claims["sub"].as_str().unwrap();
    let kinds = app.state.auth.store.audit_kinds(user).await.unwrap();
    for kind in ["user.created", "identity.linked", "login.federated"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind}: {kinds:?}");
        let events = app.state.auth.store.audit_of_kind(kind).await.unwrap();
        assert!(
            events
                .iter()
                .any(|(u, ip, _)| u.as_deref() == Some(user) && ip.is_some()),
            "{kind}: {events:?}"
        );
    }

    // The callback is single use.
    let (status, body, location) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("invalid_state") && location.is_none(),
        "{body}"
    );

    // Signing in again finds the same user through the stored identity.
    let again = federated(&app, "google", "alice@gmail.com").await;
    assert_eq!(exchange(&app, &again["code"]).await["sub"], claims["sub"]);
    let kinds = app.state.auth.store.audit_kinds(user).await.unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "user.created").count(), 1);
}

#[tokio::test]
async fn config_lists_providers_and_lookup_finds_none() {
    let (app, _provider) = google_setup(3600).await;
    let reply = app.get("/api/v1/config?client_id=demo", &[]).await;
    assert_eq!(
        reply.body["providers"],
        json!([{"id": "google", "name": "Google", "kind": "google"}])
    );
    assert!(reply.body.get("sso").is_none());
    let reply = app
        .get(
            "/api/v1/auth/sso/lookup?client_id=demo&email=bob@nowhere.test",
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"connection": null}));
    let reply = app
        .get("/api/v1/auth/sso/lookup?client_id=demo&email=nope", &[])
        .await;
    assert_eq!(reply.error(), "invalid_email");
}

/// An invalid_state error page: 400, no redirect.
fn assert_invalid_state(status: StatusCode, body: &str, location: Option<&String>) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(location.is_none(), "{location:?}");
    assert!(body.contains("data-error=\"invalid_state\""), "{body}");
}

#[tokio::test]
async fn a_replayed_callback_gets_an_invalid_state_page_not_a_redirect() {
    let (app, _provider) = google_setup(3600).await;
    let at_provider = authorize(&app, "google").await;
    let back = Browser::new()
        .sign_in(at_provider, "replay@gmail.com", false)
        .await;
    let (status, body, _) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // The same answer again (say, from browser history or a leaked URL).
    let (status, body, location) = callback(&app, &back).await;
    assert_invalid_state(status, &body, location.as_ref());
    assert!(body.contains("already completed"), "{body}");
    // Audited, with the IP.
    let failed = app
        .state
        .auth
        .store
        .audit_of_kind("login.federated_failed")
        .await
        .unwrap();
    assert!(
        failed
            .iter()
            .any(|(_, ip, detail)| ip.is_some() && detail.contains("invalid_state")),
        "{failed:?}"
    );
}

#[tokio::test]
async fn an_unknown_state_or_another_providers_path_gets_an_invalid_state_page() {
    let (app, _provider) = google_setup(3600).await;
    for uri in [
        "/api/v1/auth/oauth/google/callback?state=forged&code=x",
        "/api/v1/auth/oauth/google/callback?code=x",
        "/api/v1/auth/oauth/google/callback",
    ] {
        let (status, body, location) = app.raw_request(Method::GET, uri, &[], None).await;
        assert_invalid_state(status, &body, location.as_ref());
    }
    // A real state of a Google sign-in, brought back to an organization's real callback.
    let org = org_at(&app, "Elsewhere", "elsewhere.test", "http://127.0.0.1:9").await;
    let at_provider = authorize(&app, "google").await;
    let state = query_of(&at_provider)["state"].clone();
    let (status, body, location) = app
        .raw_request(
            Method::GET,
            &format!("/api/v1/auth/oauth/{org}/callback?state={state}&code=x"),
            &[],
            None,
        )
        .await;
    assert_invalid_state(status, &body, location.as_ref());
    assert!(body.contains("another provider"), "{body}");
    let failed = app
        .state
        .auth
        .store
        .audit_of_kind("login.federated_failed")
        .await
        .unwrap();
    assert_eq!(failed.len(), 4, "{failed:?}");
}

#[tokio::test]
async fn a_state_expires_after_ten_minutes() {
    let (app, _provider) = google_setup(3600).await;
    let at_provider = authorize(&app, "google").await;
    let back = Browser::new()
        .sign_in(at_provider, "late@example.com", false)
        .await;
    app.clock.advance(601);
    let (status, body, location) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(location.is_none() && body.contains("expired"), "{body}");

    // Expired flows are deleted when the next sign-in starts.
    let at_provider = authorize(&app, "google").await;
    let back = Browser::new()
        .sign_in(at_provider, "later@example.com", false)
        .await;
    app.clock.advance(601);
    authorize(&app, "google").await;
    let (status, body, location) = callback(&app, &back).await;
    assert_invalid_state(status, &body, location.as_ref());
    assert!(body.contains("unknown"), "{body}");
}

#[tokio::test]
async fn a_tampered_nonce_is_refused() {
    let (app, _provider) = google_setup(3600).await;
    let at_provider = authorize(&app, "google").await;
    let nonce = query_of(&at_provider)["nonce"].clone();
    let tampered = at_provider.replace(&format!("nonce={nonce}"), "nonce=attacker-chosen-nonce");
    assert_ne!(tampered, at_provider);
    let back = Browser::new()
        .sign_in(tampered, "alice@example.com", false)
        .await;
    let (status, _, location) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let query = query_of(&location.unwrap());
    assert_eq!(query["error"], "invalid_id_token");
    assert!(query["error_description"].contains("nonce"), "{query:?}");
    assert_eq!(query["state"], "widget-state-1");
    assert!(!query.contains_key("code"));
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    // ID tokens live 60 s at this provider; the server's clock moves 2 minutes on (still inside
    // the 10-minute flow) before the callback.
    let (app, _provider) = google_setup(60).await;
    let at_provider = authorize(&app, "google").await;
    let back = Browser::new()
        .sign_in(at_provider, "alice@example.com", false)
        .await;
    app.clock.advance(120);
    let (status, _, location) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let query = query_of(&location.unwrap());
    assert_eq!(query["error"], "invalid_id_token");
    assert!(query["error_description"].contains("expired"), "{query:?}");
}

#[tokio::test]
async fn an_id_token_for_another_client_is_refused() {
    // A real ID token from the same provider, minted for the second registered client
    // (`other-rp`): the provider's real keys sign it, only `aud` differs.
    let (app, provider) = google_setup(3600).await;
    let verifier = "other-verifier-0123456789abcdefghijklmnopqrstuvwxyz";
    let url = format!(
        "{}/auth?{}",
        provider.issuer,
        serde_urlencoded::to_string([
            ("client_id", "other-rp"),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("redirect_uri", "http://other.test/cb"),
            ("state", "s"),
            ("nonce", "nonce-for-other"),
            ("code_challenge", &pkce_challenge(verifier)),
            ("code_challenge_method", "S256"),
        ])
        .unwrap()
    );
    let mut browser = Browser::new();
    // The redirect goes to other.test, which sign_in does not treat as ours: stop by hand.
    let mut at = url;
    let code = loop {
        if at.starts_with("http://other.test/") {
            break query_of(&at)["code"].clone();
        }
        let (_, location, body) = browser.send(browser.http.get(&at)).await;
        if let Some(next) = location {
            at = Browser::absolute(&at, &next);
            continue;
        }
        let action = body
            .split("action=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let form: Vec<(&str, &str)> = if body.contains("value=\"login\"") {
            vec![
                ("prompt", "login"),
                ("login", "alice@example.com"),
                ("password", "x"),
            ]
        } else {
            vec![("prompt", "consent")]
        };
        let target = Browser::absolute(&at, &action);
        let (_, location, _) = browser.send(browser.http.post(&target).form(&form)).await;
        at = Browser::absolute(&target, &location.unwrap());
    };
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/token", provider.issuer))
        .basic_auth("other-rp", Some("other-rp-secret-0123456789"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://other.test/cb"),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token: openidconnect::core::CoreIdToken =
        tokens["id_token"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        jwt_part(tokens["id_token"].as_str().unwrap(), 1)["aud"],
        "other-rp"
    );
    let ours = app
        .state
        .auth
        .store
        .client_provider("demo", "google")
        .await
        .unwrap()
        .unwrap();
    let error = app
        .state
        .auth
        .verify_id_token(&ours, &id_token, "nonce-for-other")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("aud"), "{error}");
}

#[tokio::test]
async fn provider_access_denied_comes_back_as_an_error_redirect() {
    let (app, _provider) = google_setup(3600).await;
    let at_provider = authorize(&app, "google").await;
    let back = Browser::new().sign_in(at_provider, "", true).await;
    let (status, _, location) = callback(&app, &back).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let query = query_of(&location.unwrap());
    assert_eq!(query["error"], "access_denied");
    assert_eq!(query["state"], "widget-state-1");
}

#[tokio::test]
async fn an_unverified_email_is_not_linked_to_an_existing_user() {
    let (app, _provider) = google_setup(3600).await;
    let email = "unverified-bob@example.com";
    let existing = app.sign_in(email).await;
    let query = federated(&app, "google", email).await;
    assert_eq!(query["error"], "unverified_email", "{query:?}");
    assert!(!query.contains_key("code"));
    // The account is untouched; email sign-in still reaches it.
    let again = app.sign_in(email).await;
    assert_eq!(
        jwt_part(again["access_token"].as_str().unwrap(), 1)["sub"],
        jwt_part(existing["access_token"].as_str().unwrap(), 1)["sub"]
    );
}

#[tokio::test]
async fn an_unverified_email_without_an_account_gets_a_new_user_without_that_email() {
    let (app, _provider) = google_setup(3600).await;
    let query = federated(&app, "google", "unverified-new@example.com").await;
    let claims = exchange(&app, &query["code"]).await;
    assert_eq!(claims["amr"], json!(["fed"]));
    assert!(claims.get("email").is_none(), "{claims}");
}

#[tokio::test]
async fn a_verified_gmail_address_links_to_the_existing_user() {
    let (app, _provider) = google_setup(3600).await;
    let email = "carol@gmail.com";
    let existing = app.sign_in(email).await;
    let sub = jwt_part(existing["access_token"].as_str().unwrap(), 1)["sub"].clone();
    let query = federated(&app, "google", email).await;
    assert_eq!(exchange(&app, &query["code"]).await["sub"], sub);
}

#[tokio::test]
async fn a_redirect_uri_not_allowed_is_refused_without_redirecting() {
    let (app, _provider) = google_setup(3600).await;
    for redirect in [
        "http://evil.test/",
        "http://auth.test/other",
        "http://auth.test",
    ] {
        let reply = app.get(&authorize_uri("google", redirect, None), &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{redirect}");
        assert_eq!(reply.error(), "invalid_redirect_uri");
        assert!(reply.headers.get("location").is_none());
    }
    let reply = app
        .get(&authorize_uri("nope", &format!("{ORIGIN}/"), None), &[])
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error(), "unknown_provider");
    let reply = app
        .get(
            "/api/v1/auth/oauth/google/authorize?client_id=demo&code_challenge=short&code_challenge_method=S256&redirect_uri=http%3A%2F%2Fauth.test%2F",
            &[],
        )
        .await;
    assert_eq!(reply.error(), "invalid_request");
    let reply = app
        .get("/api/v1/auth/oauth/google/authorize?client_id=nobody", &[])
        .await;
    assert!(reply.status.is_client_error(), "{:?}", reply.body);
}

#[tokio::test]
async fn sso_by_email_domain_signs_in_with_org_id() {
    let (app, _google) = google_setup(3600).await;
    let (org, _acme) = acme_setup(&app).await;

    let reply = app
        .get(
            "/api/v1/auth/sso/lookup?client_id=demo&email=Dave@ACME-corp.test",
            &[],
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"connection": {"provider": org.id, "organization": "Acme"}})
    );
    let config = app.get("/api/v1/config?client_id=demo", &[]).await;
    assert_eq!(config.body["sso"], true);

    let query = federated(&app, &org.id, "dave@acme.test").await;
    let claims = exchange(&app, &query["code"]).await;
    assert_eq!(claims["org_id"], org.id.as_str());
    assert_eq!(claims["amr"], json!(["fed"]));
    assert_eq!(claims["email"], "dave@acme.test");

    // The organization's provider may not vouch for emails outside its domains.
    let query = federated(&app, &org.id, "mallory@example.com").await;
    assert_eq!(query["error"], "email_domain_mismatch");

    // Other methods keep org_id absent.
    let email_code = app.sign_in("erin@example.com").await;
    assert!(
        jwt_part(email_code["access_token"].as_str().unwrap(), 1)
            .get("org_id")
            .is_none()
    );
}

#[tokio::test]
async fn google_does_not_vouch_for_other_domains_without_hd() {
    // The local provider's accounts have no `hd`: for the Google preset an example.com address
    // is unverified, whatever `email_verified` says.
    let (app, _provider) = google_setup(3600).await;
    let email = "ada@example.com";
    let existing = app.sign_in(email).await;
    let query = federated(&app, "google", email).await;
    assert_eq!(query["error"], "unverified_email", "{query:?}");
    assert!(!query.contains_key("code"));
    let again = app.sign_in(email).await;
    assert_eq!(
        jwt_part(again["access_token"].as_str().unwrap(), 1)["sub"],
        jwt_part(existing["access_token"].as_str().unwrap(), 1)["sub"]
    );
    // Without an account, a new user is made, without that email.
    let query = federated(&app, "google", "nobody-yet@example.com").await;
    let claims = exchange(&app, &query["code"]).await;
    assert!(claims.get("email").is_none(), "{claims}");
}

#[tokio::test]
async fn a_generic_provider_vouches_for_any_domain() {
    let (app, _provider) = generic_setup().await;
    let email = "ada@example.com";
    let existing = app.sign_in(email).await;
    let sub = jwt_part(existing["access_token"].as_str().unwrap(), 1)["sub"].clone();
    let query = federated(&app, "generic", email).await;
    let claims = exchange(&app, &query["code"]).await;
    assert_eq!(claims["sub"], sub);
    assert_eq!(claims["email"], email);
}

#[tokio::test]
async fn a_local_user_with_an_unverified_email_is_not_linked() {
    let (app, _provider) = google_setup(3600).await;
    let email = "frank@gmail.com";
    // A user holding the address without having verified it (e.g. older data).
    let legacy = server::store::IdentityRow {
        issuer: "https://legacy.test".into(),
        subject: "frank".into(),
        user_id: "usr_legacy_frank".into(),
        provider_id: "idp_legacy".into(),
        email: None,
    };
    app.state
        .auth
        .store
        .insert_federated_user(&legacy, Some(email), false, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    let query = federated(&app, "google", email).await;
    assert_eq!(query["error"], "unverified_email", "{query:?}");
    assert!(
        query["error_description"].contains("never verified"),
        "{query:?}"
    );
    assert!(!query.contains_key("code"));
}

#[tokio::test]
async fn concurrent_callbacks_of_one_new_identity_make_one_user() {
    let (app, _provider) = google_setup(3600).await;
    let mut backs = Vec::new();
    for _ in 0..2 {
        let at_provider = authorize(&app, "google").await;
        backs.push(
            Browser::new()
                .sign_in(at_provider, "twice@gmail.com", false)
                .await,
        );
    }
    let (first, second) = tokio::join!(callback(&app, &backs[0]), callback(&app, &backs[1]));
    let mut subs = Vec::new();
    for (status, body, location) in [first, second] {
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let query = query_of(&location.unwrap());
        assert!(query.contains_key("code"), "{query:?}");
        subs.push(exchange(&app, &query["code"]).await["sub"].clone());
    }
    assert_eq!(subs[0], subs[1]);
    let created = app
        .state
        .auth
        .store
        .audit_of_kind("user.created")
        .await
        .unwrap();
    assert_eq!(created.len(), 1, "{created:?}");
}

#[tokio::test]
async fn an_org_connection_must_verify_the_email() {
    let (app, _google) = google_setup(3600).await;
    let (org, _acme) = acme_setup(&app).await;
    let query = federated(&app, &org.id, "unverified-dave@acme.test").await;
    assert_eq!(query["error"], "unverified_email", "{query:?}");
    assert!(!query.contains_key("code"));
}

#[tokio::test]
async fn other_providers_may_not_sign_in_an_organizations_email() {
    let (app, _social) = generic_setup().await;
    let (org, _acme) = acme_setup(&app).await;
    // Bob has an Acme account through Acme's SSO.
    let query = federated(&app, &org.id, "bob@acme.test").await;
    let bob = exchange(&app, &query["code"]).await;
    assert_eq!(bob["org_id"], org.id.as_str());

    // A client's providers (Google, or a generic one whose email_verified counts) vouching for
    // bob@acme.test neither reach Bob's account nor make a new one.
    for slug in ["google", "generic"] {
        for login in ["bob@acme.test", "newcomer@acme-corp.test"] {
            let query = federated(&app, slug, login).await;
            assert_eq!(query["error"], "sso_required", "{slug} {login}: {query:?}");
            assert!(
                query["error_description"].contains("its own SSO"),
                "{query:?}"
            );
            assert!(!query.contains_key("code"));
        }
    }
    // Bob's account has no other identity.
    let identities = app
        .state
        .auth
        .store
        .identities_of(bob["sub"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(identities.len(), 1, "{identities:?}");
    // Acme's SSO still works.
    let query = federated(&app, &org.id, "bob@acme.test").await;
    assert_eq!(exchange(&app, &query["code"]).await["sub"], bob["sub"]);
}

#[tokio::test]
async fn authorize_is_rate_limited_per_ip() {
    let (app, _provider) = google_setup(3600).await;
    let uri = authorize_uri("google", &format!("{ORIGIN}/"), None);
    for _ in 0..server::oidc::AUTHORIZE_PER_IP_MINUTE {
        let reply = app.get(&uri, &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{:?}", reply.body);
    }
    let reply = app.get(&uri, &[]).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.error(), "rate_limited");
    assert!(reply.headers.get("retry-after").is_some());
    // Another IP is not affected.
    let other = app
        .call_from([10, 0, 0, 2], Method::GET, &uri, &[], None)
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{:?}", other.body);
    // A minute later it works again.
    app.clock.advance(61);
    assert_eq!(app.get(&uri, &[]).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_hanging_provider_does_not_hold_up_another() {
    let (app, _google) = google_setup(3600).await;
    // An organization whose IdP accepts connections and never answers.
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", hanging.local_addr().unwrap());
    let org = org_at(&app, "Slow", "slow.test", &issuer).await;
    let slow_app = app.router();
    let uri = authorize_uri(&org, &format!("{ORIGIN}/"), None);
    let slow = tokio::spawn(async move {
        use tower::ServiceExt as _;
        let request = axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        slow_app.oneshot(request).await.unwrap().status()
    });
    // Its discovery is in flight once the IdP sees the connection.
    let (_connection, _) = tokio::time::timeout(Duration::from_secs(30), hanging.accept())
        .await
        .expect("the hanging IdP was never contacted")
        .unwrap();

    // Meanwhile a Google sign-in (discovery, keys, token exchange) completes.
    let query = tokio::time::timeout(
        Duration::from_secs(60),
        federated(&app, "google", "alice@gmail.com"),
    )
    .await
    .expect("the Google sign-in did not complete");
    assert!(query.contains_key("code"), "{query:?}");
    // ...while the hanging one is still waiting (its connection is still open).
    assert!(!slow.is_finished());
    slow.abort();
}

#[tokio::test]
async fn a_failed_discovery_is_remembered_and_last_good_metadata_is_served() {
    let (app, provider) = google_setup(3600).await;
    let port = free_port();
    let org = org_at(
        &app,
        "Down",
        "down.test",
        &format!("http://127.0.0.1:{port}"),
    )
    .await;
    let down = authorize_uri(&org, &format!("{ORIGIN}/"), None);

    // Nothing listens: 502.
    let reply = app.get(&down, &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{:?}", reply.body);
    assert_eq!(reply.error(), "provider_unavailable");
    // The IdP comes up, but the failure is remembered for 30 s: no new connection.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let reply = app.get(&down, &[]).await;
    assert_eq!(reply.error(), "provider_unavailable");
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "the remembered failure contacted the IdP again"
    );
    // After 30 s it is tried again.
    app.clock.advance(31);
    let retry = {
        let router = app.router();
        tokio::spawn(async move {
            use tower::ServiceExt as _;
            let request = axum::http::Request::get(down)
                .body(axum::body::Body::empty())
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        })
    };
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    tokio::time::timeout(Duration::from_secs(30), listener.accept())
        .await
        .expect("the IdP was not tried again after 30 s")
        .unwrap();
    retry.abort();

    // Google's metadata is cached; when Google is down after the hour, the last good metadata
    // is served (starting a sign-in needs no request to the provider).
    authorize(&app, "google").await;
    provider.stop().await;
    app.clock.advance(3601);
    authorize(&app, "google").await;
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let provider = start_provider(&social_clients(), 0, 3600).await;
    // The server's clock is 5 minutes behind the provider's.
    let app = TestApp::at(provider.now - 300).await;
    add_social(&app, &provider, "google", "google").await;
    let query = federated(&app, "google", "early@gmail.com").await;
    assert_eq!(query["error"], "invalid_id_token", "{query:?}");
    assert!(query["error_description"].contains("future"), "{query:?}");
}

#[tokio::test]
async fn an_issuer_with_a_trailing_slash_works() {
    let provider = start_provider_with(&social_clients(), 0, 3600, &["--trailing-slash"]).await;
    assert!(provider.issuer.ends_with('/'), "{}", provider.issuer);
    let app = TestApp::at(provider.now).await;
    add_social(&app, &provider, "google", "google").await;
    let stored = app
        .state
        .auth
        .store
        .client_provider("demo", "google")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.issuer, provider.issuer);
    let query = federated(&app, "google", "slash@gmail.com").await;
    let claims = exchange(&app, &query["code"]).await;
    assert_eq!(claims["email"], "slash@gmail.com");
}

#[tokio::test]
async fn openapi_documents_the_federation_errors() {
    let app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json", &[]).await.body;
    let authorize = &doc["paths"]["/api/v1/auth/oauth/{provider}/authorize"]["get"]["responses"];
    for status in ["303", "400", "401", "404", "429", "500", "502"] {
        assert!(
            authorize[status].is_object(),
            "authorize {status}: {authorize}"
        );
    }
    let callback = &doc["paths"]["/api/v1/auth/oauth/{provider}/callback"]["get"]["responses"];
    assert!(
        callback["400"]["content"]["text/html"].is_object(),
        "{callback}"
    );
    assert!(
        callback["400"]["content"]["application/json"].is_object(),
        "{callback}"
    );
    assert!(
        callback["500"]["content"]["text/html"].is_object(),
        "{callback}"
    );
}

#[tokio::test]
async fn google_vouches_for_its_workspace_domain_through_hd() {
    let provider = start_provider_with(
        &social_clients(),
        0,
        3600,
        &["--hosted-domain", "workspace.test"],
    )
    .await;
    let app = TestApp::at(provider.now).await;
    add_social(&app, &provider, "google", "google").await;
    let email = "grace@workspace.test";
    let existing = app.sign_in(email).await;
    let query = federated(&app, "google", email).await;
    let claims = exchange(&app, &query["code"]).await;
    assert_eq!(
        claims["sub"],
        jwt_part(existing["access_token"].as_str().unwrap(), 1)["sub"]
    );
    // Another domain of the same provider still has no `hd`.
    let query = federated(&app, "google", "grace@example.com").await;
    assert!(exchange(&app, &query["code"]).await.get("email").is_none());
}

#[tokio::test]
async fn federated_sign_ups_count_toward_the_per_ip_sign_up_limit() {
    let (app, _provider) = google_setup(3600).await;
    let mut state = app.state.clone();
    let mut auth = state.auth.clone();
    auth.limits.ip_signups_per_minute = 1;
    state.auth = auth;
    let app = crate::support::TestApp::from_state(state, app);
    let first = federated(&app, "google", "first@gmail.com").await;
    assert!(first.contains_key("code"), "{first:?}");
    let second = federated(&app, "google", "second@gmail.com").await;
    assert_eq!(second["error"], "rate_limited", "{second:?}");
    assert!(!second.contains_key("code"));
    // A returning person is not a sign-up: still signed in.
    let again = federated(&app, "google", "first@gmail.com").await;
    assert!(again.contains_key("code"), "{again:?}");
    // A minute later, new people are welcome again.
    app.clock.advance(61);
    let later = federated(&app, "google", "second@gmail.com").await;
    assert!(later.contains_key("code"), "{later:?}");
}
