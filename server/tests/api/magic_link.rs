use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;
use server::crypto::pkce_challenge;

use crate::support::{ORIGIN, Reply, TestApp};

const SEND: &str = "/api/v1/auth/passwordless/magic-link/send?client_id=demo";
const RESEND: &str = "/api/v1/auth/passwordless/magic-link/resend?client_id=demo";
const VERIFIER: &str = "magic-link-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

struct Link {
    state: String,
    magictext: String,
    cookie: String,
}

async fn send(app: &TestApp, email: &str) -> Link {
    let reply = app
        .post(SEND, json!({"email": email, "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let mut link = last_link(app, email);
    assert_eq!(link.state, reply.body["state"].as_str().unwrap());
    link.cookie = cookie;
    link
}

fn last_link(app: &TestApp, email: &str) -> Link {
    let messages = app.state.auth.mailer.dev_mailbox().unwrap().messages();
    let message = messages.iter().find(|m| m.to == email).expect("no email");
    let url = message
        .text
        .split_whitespace()
        .find(|w| w.contains("magictext="))
        .expect("no link in the email");
    assert!(
        url.starts_with(&format!(
            "{ORIGIN}/api/v1/auth/passwordless/magic-link/verify?state="
        )),
        "{url}"
    );
    assert!(message.html.contains("magictext="));
    let query = url.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).unwrap().1.clone();
    Link {
        state: get("state"),
        magictext: get("magictext"),
        cookie: String::new(),
    }
}

async fn page(app: &TestApp, link: &Link) -> (StatusCode, String) {
    let uri = format!(
        "/api/v1/auth/passwordless/magic-link/verify?state={}&magictext={}",
        link.state, link.magictext
    );
    raw(app, Method::GET, &uri, &[], None).await
}

async fn confirm(
    app: &TestApp,
    link: &Link,
    magictext: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, Option<String>) {
    let body =
        serde_urlencoded::to_string([("state", link.state.as_str()), ("magictext", magictext)])
            .unwrap();
    let mut headers = vec![
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", ORIGIN),
    ];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    let request = app.raw_request(
        Method::POST,
        "/api/v1/auth/passwordless/magic-link/verify",
        &headers,
        Some(Body::from(body)),
    );
    let response = request.await;
    (response.0, response.1, response.2)
}

async fn raw(
    app: &TestApp,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Body>,
) -> (StatusCode, String) {
    let (status, text, _) = app.raw_request(method, uri, headers, body).await;
    (status, text)
}

async fn status(app: &TestApp, state: &str, verifier: &str) -> Reply {
    app.get(
        &format!("/api/v1/auth/passwordless/magic-link/status?client_id=demo&state={state}&code_verifier={verifier}"),
        &[("origin", ORIGIN)],
    )
    .await
}

#[tokio::test]
async fn link_opens_a_confirm_page_that_does_not_sign_in_by_itself() {
    let app = TestApp::new().await;
    let link = send(&app, "a@example.com").await;
    let (code, html) = page(&app, &link).await;
    assert_eq!(code, StatusCode::OK);
    assert!(html.contains("<form method=\"post\""), "{html}");
    assert!(html.contains("Demo app"));
    // Opening (or prefetching) the link twice changes nothing.
    assert_eq!(page(&app, &link).await.0, StatusCode::OK);
    assert_eq!(
        status(&app, &link.state, VERIFIER).await.body["status"],
        "pending"
    );
}

#[tokio::test]
async fn confirming_on_another_device_lets_the_starting_browser_finish_by_polling() {
    let app = TestApp::new().await;
    let link = send(&app, "a@example.com").await;
    let wrong = status(
        &app,
        &link.state,
        "not-the-verifier-0123456789-abcdefghijklmnopqrst",
    )
    .await;
    assert_eq!(
        wrong.error(),
        "invalid_grant",
        "a wrong verifier never learns anything"
    );
    let (code, html, location) = confirm(&app, &link, &link.magictext, None).await;
    assert_eq!(code, StatusCode::OK);
    assert!(html.contains("other device"), "{html}");
    assert!(location.is_none());
    // Still nothing without the verifier.
    assert_eq!(
        status(
            &app,
            &link.state,
            "not-the-verifier-0123456789-abcdefghijklmnopqrst"
        )
        .await
        .error(),
        "invalid_grant"
    );
    let verified = status(&app, &link.state, VERIFIER).await;
    assert_eq!(verified.body["status"], "verified", "{:?}", verified.body);
    let auth_code = verified.body["code"].as_str().unwrap().to_owned();
    assert_eq!(
        status(&app, &link.state, VERIFIER).await.error(),
        "invalid_grant",
        "the code is given out once"
    );
    let tokens = app
        .get(&format!("/api/v1/sso/oauth/accesstoken?client_id=demo&code={auth_code}&code_verifier={VERIFIER}"), &[])
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{:?}", tokens.body);
    let claims = crate::support::jwt_part(tokens.body["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["email"], "a@example.com");
    assert_eq!(claims["amr"], json!(["otp"]));
}

#[tokio::test]
async fn confirming_in_the_starting_browser_redirects_back_with_state() {
    let app = TestApp::new().await;
    let link = send(&app, "a@example.com").await;
    let (code, _, location) = confirm(&app, &link, &link.magictext, Some(&link.cookie)).await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    assert_eq!(location.unwrap(), format!("{ORIGIN}/?state={}", link.state));
    assert_eq!(
        status(&app, &link.state, VERIFIER).await.body["status"],
        "verified"
    );
}

#[tokio::test]
async fn a_link_is_single_use() {
    let app = TestApp::new().await;
    let link = send(&app, "a@example.com").await;
    assert_eq!(
        confirm(&app, &link, &link.magictext, None).await.0,
        StatusCode::OK
    );
    let (code, html, _) = confirm(&app, &link, &link.magictext, None).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(html.contains("already used"), "{html}");
    assert_eq!(page(&app, &link).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn five_wrong_magictexts_kill_the_link() {
    let app = TestApp::new().await;
    let link = send(&app, "a@example.com").await;
    let wrong = "A".repeat(43);
    for _ in 0..5 {
        let (code, html, _) = confirm(&app, &link, &wrong, None).await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        assert!(html.contains("not valid"), "{html}");
    }
    let (code, html, _) = confirm(&app, &link, &link.magictext, None).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(html.contains("no longer be used"), "{html}");
    assert_eq!(
        status(&app, &link.state, VERIFIER).await.body["status"],
        "expired"
    );
}

#[tokio::test]
async fn links_expire_after_five_minutes() {
    let app = TestApp::new().await;
    let link = send(&app, "a@example.com").await;
    app.clock.advance(300);
    let (code, html) = page(&app, &link).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(html.contains("expired"), "{html}");
    assert_eq!(
        confirm(&app, &link, &link.magictext, None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        status(&app, &link.state, VERIFIER).await.body["status"],
        "expired"
    );
}

#[tokio::test]
async fn link_lifetime_is_configurable_per_client() {
    let app = TestApp::new().await;
    let mut client = app.state.auth.store.client("demo").await.unwrap().unwrap();
    client.id = "long-links".into();
    client.magic_link_ttl = Some(900);
    app.state
        .auth
        .store
        .insert_client(&client, 0)
        .await
        .unwrap();
    let reply = app
        .post(
            "/api/v1/auth/passwordless/magic-link/send?client_id=long-links",
            json!({"email": "a@example.com", "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256"}),
        )
        .await;
    assert_eq!(
        reply.body["expires_at"],
        server::clock::rfc3339(crate::support::T0 + 900)
    );
    let link = last_link(&app, "a@example.com");
    app.clock.advance(600);
    assert_eq!(page(&app, &link).await.0, StatusCode::OK);
}

#[tokio::test]
async fn resend_replaces_the_link_after_thirty_seconds() {
    let app = TestApp::new().await;
    let first = send(&app, "a@example.com").await;
    let early = app.post(RESEND, json!({"state": first.state})).await;
    assert_eq!(
        (early.status, early.error()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    app.clock.advance(30);
    assert_eq!(
        app.post(RESEND, json!({"state": first.state})).await.status,
        StatusCode::OK
    );
    let second = last_link(&app, "a@example.com");
    assert_eq!(second.state, first.state);
    assert_ne!(second.magictext, first.magictext);
    assert_eq!(
        confirm(&app, &first, &first.magictext, None).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        confirm(&app, &second, &second.magictext, None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn sends_are_limited_and_redirects_must_be_registered() {
    let app = TestApp::new().await;
    let body = |uri: Option<&str>| json!({"email": "a@example.com", "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256", "redirect_uri": uri});
    let evil = app.post(SEND, body(Some("https://evil.test/"))).await;
    assert_eq!(evil.error(), "invalid_request");
    for _ in 0..3 {
        assert_eq!(
            app.post(SEND, body(Some(&format!("{ORIGIN}/"))))
                .await
                .status,
            StatusCode::OK
        );
    }
    let limited = app.post(SEND, body(None)).await;
    assert_eq!(
        (limited.status, limited.error()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(limited.headers.contains_key("retry-after"));
    let bad = app
        .post(SEND, json!({"email": "nope", "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256"}))
        .await;
    assert_eq!(bad.error(), "invalid_email");
}

#[tokio::test]
async fn unknown_state_and_missing_params_are_clear_errors() {
    let app = TestApp::new().await;
    let unknown = status(&app, "nope", VERIFIER).await;
    assert_eq!(unknown.error(), "invalid_request");
    let missing = app
        .get(
            "/api/v1/auth/passwordless/magic-link/status?client_id=demo&state=x",
            &[],
        )
        .await;
    assert_eq!(missing.error(), "invalid_request");
    let (code, html) = raw(
        &app,
        Method::GET,
        "/api/v1/auth/passwordless/magic-link/verify?state=x&magictext=y",
        &[],
        None,
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(html.contains("not valid"), "{html}");
}
