use axum::http::StatusCode;
use serde_json::json;
use server::crypto::pkce_challenge;
use server::messages::Template;

use crate::support::TestApp;

#[tokio::test]
async fn config_lists_the_clients_methods() {
    let app = TestApp::new().await;
    let config = app.get("/api/v1/config?client_id=demo", &[]).await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.body["name"], "Demo app");
    assert_eq!(
        config.body["methods"],
        json!(["email_code", "magic_link", "sms_code", "passkey"])
    );
    assert_eq!(
        app.get("/api/v1/config?client_id=nope", &[]).await.error(),
        "invalid_client"
    );
}

#[tokio::test]
async fn disabled_methods_are_refused() {
    let app = TestApp::new().await;
    let mut client = app.state.auth.store.client("demo").await.unwrap().unwrap();
    client.id = "codes-only".into();
    client.methods = vec!["email_code".into()];
    app.state
        .auth
        .store
        .insert_client(&client, 0)
        .await
        .unwrap();
    let reply = app
        .post(
            "/api/v1/auth/passwordless/magic-link/send?client_id=codes-only",
            json!({"email": "a@example.com", "code_challenge": pkce_challenge("v"), "code_challenge_method": "S256"}),
        )
        .await;
    assert_eq!(reply.error(), "method_not_enabled");
    assert_eq!(
        app.get("/api/v1/config?client_id=codes-only", &[])
            .await
            .body["methods"],
        json!(["email_code"])
    );
}

#[tokio::test]
async fn emails_use_the_widget_locale_and_client_templates() {
    let app = TestApp::new().await;
    let send = |email: &str, locale: &str| json!({"email": email, "code_challenge": pkce_challenge("v"), "code_challenge_method": "S256", "locale": locale});
    app.post(
        "/api/v1/auth/passwordless/magic-otp/send?client_id=demo",
        send("de@example.com", "de-AT"),
    )
    .await;
    let german = &app.state.auth.mailer.dev_mailbox().unwrap().messages()[0];
    assert!(german.subject.contains("Anmeldecode"), "{}", german.subject);

    let template = Template {
        subject: "Your {{ brand }} code: {{ code }}".into(),
        text: "Code {{ code }}, valid {{ minutes }} min, for {{ app_name }}".into(),
        html: "<p>{{ brand }} says {{ code }}</p>".into(),
    };
    app.state
        .auth
        .store
        .set_template("demo", "email_code", "en", &template)
        .await
        .unwrap();
    app.post(
        "/api/v1/auth/passwordless/magic-otp/send?client_id=demo",
        send("en@example.com", "en"),
    )
    .await;
    let custom = &app.state.auth.mailer.dev_mailbox().unwrap().messages()[0];
    assert!(
        custom.subject.starts_with("Your Demo app code: "),
        "{}",
        custom.subject
    );
    assert!(
        custom.text.contains("valid 5 min, for Demo app"),
        "{}",
        custom.text
    );
    assert!(
        custom.html.starts_with("<p>Demo app says "),
        "{}",
        custom.html
    );
}
