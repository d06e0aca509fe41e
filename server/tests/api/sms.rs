use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use server::config::Config;
use server::crypto::pkce_challenge;
use server::sms::{SmsBodyMode, SmsConfig};

use crate::support::{ORIGIN, TestApp, config, jwt_part};

const SEND: &str = "/api/v1/auth/passwordless/phone-otp/send?client_id=demo";
const VERIFY: &str = "/api/v1/auth/passwordless/phone-otp/verify?client_id=demo";
const VERIFIER: &str = "sms-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

fn send_body(phone: &str) -> serde_json::Value {
    json!({"phone": phone, "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256"})
}

fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("no code")
        .to_owned()
}

#[tokio::test]
async fn sms_code_signs_in_by_phone_in_demo_mode() {
    let app = TestApp::new().await;
    let bad = app.post(SEND, send_body("0301234567")).await;
    assert_eq!(
        (bad.status, bad.error()),
        (StatusCode::BAD_REQUEST, "invalid_phone")
    );
    let sent = app.post(SEND, send_body("+1 (415) 555-0123")).await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    let state = sent.body["state"].as_str().unwrap();
    let messages = app.state.auth.mailer.dev_mailbox().unwrap().messages();
    assert_eq!(messages[0].to, "+14155550123");
    let code = code_in(&messages[0].text);
    // An SMS request cannot be finished through the email endpoint.
    let wrong_channel = app
        .post(
            "/api/v1/auth/passwordless/email-otp/verify?client_id=demo",
            json!({"state": state, "otp": code}),
        )
        .await;
    assert_eq!(wrong_channel.error(), "invalid_request");
    let verified = app.post(VERIFY, json!({"state": state, "otp": code})).await;
    assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
    let auth_code = verified.body["code"].as_str().unwrap();
    let tokens = app
        .get(&format!("/api/v1/sso/oauth/accesstoken?client_id=demo&code={auth_code}&code_verifier={VERIFIER}"), &[])
        .await;
    let claims = jwt_part(tokens.body["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["amr"], json!(["otp", "sms"]));
    let user = app
        .state
        .auth
        .store
        .user(claims["sub"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.phone.as_deref(), Some("+14155550123"));
    assert!(user.phone_verified);
    assert_eq!(user.email, None);
}

#[tokio::test]
async fn sms_codes_follow_the_email_code_rules() {
    let app = TestApp::new().await;
    let state = app.post(SEND, send_body("+14155550123")).await.body["state"]
        .as_str()
        .unwrap()
        .to_owned();
    let resend = "/api/v1/auth/passwordless/phone-otp/resend?client_id=demo";
    assert_eq!(
        app.post(resend, json!({"state": state})).await.error(),
        "rate_limited"
    );
    for _ in 0..5 {
        assert_eq!(
            app.post(VERIFY, json!({"state": state, "otp": "abcdef"}))
                .await
                .error(),
            "invalid_otp"
        );
    }
    let code = code_in(&app.state.auth.mailer.dev_mailbox().unwrap().messages()[0].text);
    let dead = app.post(VERIFY, json!({"state": state, "otp": code})).await;
    assert_eq!(
        (dead.status, dead.error()),
        (StatusCode::GONE, "too_many_attempts")
    );
    for _ in 0..2 {
        app.post(SEND, send_body("+14155550123")).await;
    }
    assert_eq!(
        app.post(SEND, send_body("+14155550123")).await.error(),
        "rate_limited"
    );
}

/// A local HTTP listener standing in for the SMS provider; records what it receives.
struct Provider {
    url: String,
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

async fn provider(status: StatusCode) -> Provider {
    let seen: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/messages",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let record = Arc::clone(&record);
            async move {
                record.lock().unwrap().push((headers, body));
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/messages", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Provider { url, seen }
}

async fn app_with_sms(sms: SmsConfig) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        sms: Some(sms),
        ..config(&dir)
    };
    TestApp::with_config(cfg, dir).await
}

#[tokio::test]
async fn http_provider_gets_a_json_body_from_the_template() {
    let provider = provider(StatusCode::CREATED).await;
    let app = app_with_sms(SmsConfig {
        url: provider.url.clone(),
        auth_header: Some(server::secret::SecretString::new("Bearer sms-key")),
        mode: SmsBodyMode::Json,
        from: "Demo".into(),
        body_template: r#"{"recipient": {{to}}, "sender": {{from}}, "message": {{body}}}"#.into(),
    })
    .await;
    let sent = app.post(SEND, send_body("+14155550123")).await;
    assert_eq!(sent.status, StatusCode::OK, "{:?}", sent.body);
    let seen = provider.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0["authorization"], "Bearer sms-key");
    let body: serde_json::Value = serde_json::from_str(&seen[0].1).unwrap();
    assert_eq!(body["recipient"], "+14155550123");
    assert_eq!(body["sender"], "Demo");
    assert!(body["message"].as_str().unwrap().contains("Demo app"));
    let _ = ORIGIN;
}

#[tokio::test]
async fn http_provider_speaks_twilio_form_encoding() {
    let provider = provider(StatusCode::CREATED).await;
    let app = app_with_sms(SmsConfig {
        url: provider.url.clone(),
        auth_header: Some(server::secret::SecretString::new("Basic QUM6dG9rZW4=")),
        mode: SmsBodyMode::TwilioForm,
        from: "+15005550006".into(),
        body_template: String::new(),
    })
    .await;
    assert_eq!(
        app.post(SEND, send_body("+14155550123")).await.status,
        StatusCode::OK
    );
    let seen = provider.seen.lock().unwrap().clone();
    assert_eq!(
        seen[0].0["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&seen[0].1).unwrap();
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(field("To"), "+14155550123");
    assert_eq!(field("From"), "+15005550006");
    assert_eq!(code_in(&field("Body")).len(), 6);
}

#[tokio::test]
async fn provider_failure_is_a_clear_502() {
    let provider = provider(StatusCode::INTERNAL_SERVER_ERROR).await;
    let app = app_with_sms(SmsConfig {
        url: provider.url.clone(),
        auth_header: None,
        mode: SmsBodyMode::Json,
        from: String::new(),
        body_template: r#"{"to": {{to}}, "text": {{body}}}"#.into(),
    })
    .await;
    let reply = app.post(SEND, send_body("+14155550123")).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_GATEWAY, "delivery_failed")
    );
}
