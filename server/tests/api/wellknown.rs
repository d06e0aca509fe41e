use axum::http::{Method, StatusCode};

use crate::support::{ORIGIN, TestApp};

#[tokio::test]
async fn jwks_is_published_at_both_paths_for_any_origin() {
    let app = TestApp::new().await;
    let a = app
        .get("/.well-known/jwks.json", &[("origin", "https://any.test")])
        .await;
    let b = app.get("/api/v1/.well-known/jwks.json", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, b.body);
    assert_eq!(a.headers["access-control-allow-origin"], "*");
    let key = &a.body["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    // 2048-bit modulus: 256 bytes, 342 base64url characters.
    assert_eq!(key["n"].as_str().unwrap().len(), 342);
    assert!(key.get("d").is_none(), "no private parts");
}

#[tokio::test]
async fn discovery_names_the_issuer_and_keys() {
    let app = TestApp::new().await;
    let doc = app.get("/.well-known/openid-configuration", &[]).await.body;
    assert_eq!(doc["issuer"], ORIGIN);
    assert_eq!(doc["jwks_uri"], format!("{ORIGIN}/.well-known/jwks.json"));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
}

#[tokio::test]
async fn openapi_is_generated_from_the_routes() {
    let app = TestApp::new().await;
    let doc = app
        .call(Method::GET, "/api/v1/openapi.json", &[], None)
        .await
        .body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/passwordless/magic-otp/send",
        "/api/v1/auth/passwordless/email-otp/resend",
        "/api/v1/auth/passwordless/email-otp/verify",
        "/api/v1/sso/oauth/accesstoken",
        "/api/v1/accesstoken/refresh",
        "/api/v1/auth/status",
        "/.well-known/jwks.json",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/api/v1/accesstoken/refresh"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/accesstoken/refresh"]["post"].is_object());
    assert!(doc["components"]["schemas"]["ErrorCode"].is_object());
}
