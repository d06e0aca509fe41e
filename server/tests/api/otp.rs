use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;
use server::crypto::pkce_challenge;

use crate::support::{ORIGIN, TestApp};

const SEND: &str = "/api/v1/auth/passwordless/magic-otp/send?client_id=demo";
const RESEND: &str = "/api/v1/auth/passwordless/email-otp/resend?client_id=demo";

fn send_body(email: &str) -> serde_json::Value {
    json!({"email": email, "code_challenge": pkce_challenge("v"), "code_challenge_method": "S256"})
}

#[tokio::test]
async fn send_emails_a_six_digit_code_and_returns_state() {
    let app = TestApp::new().await;
    let reply = app.post(SEND, send_body("Ada@Example.com")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body["state"].as_str().unwrap().len() >= 43);
    assert!(reply.body["expires_at"].as_str().unwrap().ends_with('Z'));
    let messages = app.state.auth.mailer.dev_mailbox().unwrap().messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, "ada@example.com");
    let code = app.last_code("ada@example.com");
    assert_eq!(code.len(), 6);
    assert!(messages[0].text.contains(&code) && messages[0].html.contains(&code));
}

#[tokio::test]
async fn send_rejects_bad_input_with_stable_codes() {
    let app = TestApp::new().await;
    let bad_email = app.post(SEND, send_body("not-an-email")).await;
    assert_eq!(
        (bad_email.status, bad_email.error()),
        (StatusCode::BAD_REQUEST, "invalid_email")
    );

    let malformed = app
        .call(
            Method::POST,
            SEND,
            &[("content-type", "application/json"), ("origin", ORIGIN)],
            Some(Body::from("{\"email\": ")),
        )
        .await;
    assert_eq!(
        (malformed.status, malformed.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    let missing_field = app.post(SEND, json!({"email": "a@example.com"})).await;
    assert_eq!(missing_field.error(), "invalid_request");

    let plain = app
        .post(SEND, json!({"email": "a@example.com", "code_challenge": "x", "code_challenge_method": "plain"}))
        .await;
    assert_eq!(plain.error(), "invalid_request");

    let short_challenge = app
        .post(SEND, json!({"email": "a@example.com", "code_challenge": "abc", "code_challenge_method": "S256"}))
        .await;
    assert_eq!(short_challenge.error(), "invalid_request");

    let no_client = app
        .post(
            "/api/v1/auth/passwordless/magic-otp/send",
            send_body("a@example.com"),
        )
        .await;
    assert_eq!(
        (no_client.status, no_client.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    let unknown_client = app
        .post(
            "/api/v1/auth/passwordless/magic-otp/send?client_id=nope",
            send_body("a@example.com"),
        )
        .await;
    assert_eq!(
        (unknown_client.status, unknown_client.error()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );

    let wrong_origin = app
        .call(
            Method::POST,
            SEND,
            &[
                ("content-type", "application/json"),
                ("origin", "https://evil.test"),
            ],
            Some(Body::from(send_body("a@example.com").to_string())),
        )
        .await;
    assert_eq!(
        (wrong_origin.status, wrong_origin.error()),
        (StatusCode::FORBIDDEN, "invalid_origin")
    );
    assert!(
        app.state
            .auth
            .mailer
            .dev_mailbox()
            .unwrap()
            .messages()
            .is_empty(),
        "nothing may be sent"
    );
}

#[tokio::test]
async fn at_most_three_sends_a_minute_per_email() {
    let app = TestApp::new().await;
    for _ in 0..3 {
        assert_eq!(
            app.post(SEND, send_body("a@example.com")).await.status,
            StatusCode::OK
        );
    }
    let limited = app.post(SEND, send_body("a@example.com")).await;
    assert_eq!(
        (limited.status, limited.error()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.body["retry_after"], retry);
    // Another address is not affected; the same one is again after the window.
    assert_eq!(
        app.post(SEND, send_body("b@example.com")).await.status,
        StatusCode::OK
    );
    app.clock.advance(60);
    assert_eq!(
        app.post(SEND, send_body("a@example.com")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn right_code_yields_an_auth_code_once() {
    let app = TestApp::new().await;
    let (state, _) = app.send_code("a@example.com").await;
    let code = app.last_code("a@example.com");
    let ok = app.verify(&state, &code).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["authenticated"], true);
    assert_eq!(ok.body["state"], state.as_str());
    assert!(ok.body["code"].as_str().unwrap().len() >= 43);
    let again = app.verify(&state, &code).await;
    assert_eq!(again.error(), "invalid_grant", "a code is single use");
}

#[tokio::test]
async fn wrong_code_is_refused_and_the_sixth_try_is_dead_even_when_right() {
    let app = TestApp::new().await;
    let (state, _) = app.send_code("a@example.com").await;
    let code = app.last_code("a@example.com");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 0..5 {
        let reply = app.verify(&state, wrong).await;
        assert_eq!(
            (reply.status, reply.error()),
            (StatusCode::BAD_REQUEST, "invalid_otp"),
            "try {i}"
        );
    }
    let sixth = app.verify(&state, &code).await;
    assert_eq!(
        (sixth.status, sixth.error()),
        (StatusCode::GONE, "too_many_attempts")
    );
}

#[tokio::test]
async fn malformed_codes_count_as_tries() {
    let app = TestApp::new().await;
    let (state, _) = app.send_code("a@example.com").await;
    for bad in ["12345", "abcdef", "1234567", ""] {
        assert_eq!(app.verify(&state, bad).await.error(), "invalid_otp");
    }
    let unknown = app.verify("no-such-state", "123456").await;
    assert_eq!(unknown.error(), "invalid_request");
}

#[tokio::test]
async fn codes_expire_after_five_minutes() {
    let app = TestApp::new().await;
    let (state, _) = app.send_code("a@example.com").await;
    let code = app.last_code("a@example.com");
    app.clock.advance(300);
    let reply = app.verify(&state, &code).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "otp_expired")
    );
}

#[tokio::test]
async fn resend_waits_thirty_seconds_and_replaces_the_code() {
    let app = TestApp::new().await;
    let (state, _) = app.send_code("a@example.com").await;
    let first = app.last_code("a@example.com");
    let early = app.post(RESEND, json!({"state": state})).await;
    assert_eq!(
        (early.status, early.error()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert_eq!(early.headers["retry-after"], "30");
    app.clock.advance(30);
    let ok = app.post(RESEND, json!({"state": state})).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["state"], state.as_str());
    let second = app.last_code("a@example.com");
    if first != second {
        assert_eq!(
            app.verify(&state, &first).await.error(),
            "invalid_otp",
            "the old code is replaced"
        );
    }
    assert_eq!(app.verify(&state, &second).await.status, StatusCode::OK);
}

#[tokio::test]
async fn resend_never_resets_the_try_counter() {
    let app = TestApp::new().await;
    let (state, _) = app.send_code("a@example.com").await;
    for _ in 0..4 {
        app.verify(&state, "abcdef").await;
    }
    app.clock.advance(30);
    assert_eq!(
        app.post(RESEND, json!({"state": state})).await.status,
        StatusCode::OK
    );
    assert_eq!(app.verify(&state, "abcdef").await.error(), "invalid_otp");
    let right = app.last_code("a@example.com");
    assert_eq!(
        app.verify(&state, &right).await.error(),
        "too_many_attempts"
    );
    app.clock.advance(30);
    assert_eq!(
        app.post(RESEND, json!({"state": state})).await.error(),
        "too_many_attempts"
    );
}

#[tokio::test]
async fn first_sign_in_creates_a_verified_user_and_later_ones_reuse_it() {
    let app = TestApp::new().await;
    let first = app.sign_in("a@example.com").await;
    app.clock.advance(61);
    let second = app.sign_in("A@example.com").await;
    let sub = |t: &serde_json::Value| {
        crate::support::jwt_part(t["access_token"].as_str().unwrap(), 1)["sub"].clone()
    };
    assert_eq!(sub(&first), sub(&second));
    let user = app
        .state
        .auth
        .store
        .user(sub(&first).as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified);
    let kinds = app.state.auth.store.audit_kinds(&user.id).await.unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "user.created").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "login.success").count(), 2);
}

#[tokio::test]
async fn unreachable_smtp_server_is_a_clear_502() {
    use server::config::{Config, SmtpConfig, SmtpSecurity};
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpConfig {
        host: "127.0.0.1".into(),
        port: closed_port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "Login <login@auth.test>".into(),
    };
    let config = Config {
        demo: false,
        smtp: Some(smtp),
        ..crate::support::config(&dir)
    };
    let app = TestApp::with_config(config, dir).await;
    let services = crate::support::services(&app.clock);
    let client = server::create_client(
        &app.state.auth.store,
        &services,
        &server::NewClient {
            name: "App".into(),
            allowed_origins: vec![ORIGIN.into()],
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .client;
    let reply = app
        .post(
            &format!(
                "/api/v1/auth/passwordless/magic-otp/send?client_id={}",
                client.id
            ),
            send_body("a@example.com"),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_GATEWAY, "delivery_failed")
    );
}

const VERIFY: &str = "/api/v1/auth/passwordless/email-otp/verify?client_id=demo";

/// Sends a code to `email` from `ip`; returns the request's state and the code.
async fn send_from(app: &TestApp, ip: [u8; 4], email: &str) -> (String, String) {
    let sent = app.post_from(ip, SEND, send_body(email)).await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    (
        sent.body["state"].as_str().unwrap().to_owned(),
        app.last_code(email),
    )
}

/// Sends a code from `ip` and tries a wrong one five times.
async fn five_wrong_tries(app: &TestApp, ip: [u8; 4], email: &str) {
    let (state, _) = send_from(app, ip, email).await;
    for _ in 0..5 {
        app.post_from(ip, VERIFY, json!({"state": state, "otp": "000000"}))
            .await;
    }
}

#[tokio::test]
async fn ten_failures_block_the_identifier_and_ip_pair() {
    let app = TestApp::new().await;
    let ip = [10, 0, 0, 7];
    five_wrong_tries(&app, ip, "a@example.com").await;
    app.clock.advance(60);
    five_wrong_tries(&app, ip, "a@example.com").await;
    app.clock.advance(60);
    // A fresh request with the right code is refused from the same IP…
    let (state, code) = send_from(&app, ip, "a@example.com").await;
    let body = json!({"state": state, "otp": code});
    let blocked = app.post_from(ip, VERIFY, body.clone()).await;
    assert_eq!(
        (blocked.status, blocked.error()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(blocked.headers.contains_key("retry-after"));
    // …but the same person on another network is not locked out, and no try was spent.
    assert_eq!(
        app.post_from([10, 0, 0, 8], VERIFY, body).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let app = TestApp::new().await;
    let ip = [10, 0, 0, 9];
    five_wrong_tries(&app, ip, "a@example.com").await;
    app.clock.advance(60);
    // Four wrong tries and then the right code: signed in, and the count starts again.
    let (state, code) = send_from(&app, ip, "a@example.com").await;
    for _ in 0..4 {
        let wrong = app
            .post_from(ip, VERIFY, json!({"state": state, "otp": "000000"}))
            .await;
        assert_eq!(wrong.error(), "invalid_otp");
    }
    let right = app
        .post_from(ip, VERIFY, json!({"state": state, "otp": code}))
        .await;
    assert_eq!(right.status, StatusCode::OK);
    app.clock.advance(60);
    five_wrong_tries(&app, ip, "a@example.com").await;
    app.clock.advance(60);
    let (state, code) = send_from(&app, ip, "a@example.com").await;
    let ok = app
        .post_from(ip, VERIFY, json!({"state": state, "otp": code}))
        .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "5 failures after a success are under the limit: {:?}",
        ok.body
    );
}

#[tokio::test]
async fn sign_ups_per_ip_are_limited() {
    let app = TestApp::new().await;
    let mut state = app.state.clone();
    let mut auth = state.auth.clone();
    auth.limits.ip_signups_per_minute = 2;
    state.auth = auth;
    let app = crate::support::TestApp::from_state(state, app);
    for (i, expect) in [
        (1, StatusCode::OK),
        (2, StatusCode::OK),
        (3, StatusCode::TOO_MANY_REQUESTS),
    ] {
        let email = format!("new{i}@example.com");
        let (st, _) = app.send_code(&email).await;
        let reply = app.verify(&st, &app.last_code(&email)).await;
        assert_eq!(reply.status, expect, "sign-up {i}: {:?}", reply.body);
    }
    // Existing users still sign in.
    app.clock.advance(1);
    let (st, _) = app.send_code("new1@example.com").await;
    assert_eq!(
        app.verify(&st, &app.last_code("new1@example.com"))
            .await
            .status,
        StatusCode::OK
    );
}
