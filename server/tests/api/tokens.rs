use axum::http::StatusCode;
use serde_json::json;

use crate::support::{ORIGIN, T0, TestApp, jwt_part};

fn exchange_uri(code: &str, verifier: &str) -> String {
    format!("/api/v1/sso/oauth/accesstoken?client_id=demo&code={code}&code_verifier={verifier}")
}

#[tokio::test]
async fn exchange_returns_an_rs256_access_token_with_the_documented_claims() {
    let app = TestApp::new().await;
    let tokens = app.sign_in("a@example.com").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens["refresh_token"].as_str().unwrap().len() >= 43);
    let at = tokens["access_token"].as_str().unwrap();
    let header = jwt_part(at, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "at+jwt");
    let jwks = app.get("/.well-known/jwks.json", &[]).await.body;
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
    let claims = jwt_part(at, 1);
    assert_eq!(claims["iss"], ORIGIN);
    assert_eq!(claims["aud"], "demo");
    assert_eq!(claims["client_id"], "demo");
    assert_eq!(claims["email"], "a@example.com");
    assert_eq!(claims["amr"], json!(["otp"]));
    assert_eq!(claims["iat"], T0);
    assert_eq!(claims["nbf"], T0);
    assert_eq!(claims["exp"], T0 + 3600);
    assert!(claims["sub"].as_str().unwrap().starts_with("usr_"));
    assert!(claims["sid"].as_str().unwrap().starts_with("ses_"));
    assert!(claims["jti"].is_string());
    assert_eq!(claims["roles"], json!([]));
    assert_eq!(claims["permissions"], json!([]));
}

#[tokio::test]
async fn wrong_or_missing_pkce_verifier_is_refused() {
    let app = TestApp::new().await;
    let (code, verifier) = app.auth_code("a@example.com").await;
    let wrong = app
        .get(
            &exchange_uri(&code, "not-the-verifier-at-all-0123456789012345678"),
            &[],
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    let missing = app
        .get(
            &format!("/api/v1/sso/oauth/accesstoken?client_id=demo&code={code}"),
            &[],
        )
        .await;
    assert_eq!(missing.error(), "invalid_request");
    // A wrong verifier does not burn the code for its rightful owner.
    assert_eq!(
        app.get(&exchange_uri(&code, &verifier), &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reused_auth_code_is_refused_and_revokes_the_first_session() {
    let app = TestApp::new().await;
    let (code, verifier) = app.auth_code("a@example.com").await;
    let first = app.get(&exchange_uri(&code, &verifier), &[]).await;
    assert_eq!(first.status, StatusCode::OK);
    let again = app.get(&exchange_uri(&code, &verifier), &[]).await;
    assert_eq!(
        (again.status, again.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    let bearer = format!("Bearer {}", first.body["access_token"].as_str().unwrap());
    let status = app
        .get("/api/v1/auth/status", &[("authorization", &bearer)])
        .await;
    assert_eq!(status.error(), "invalid_token");
}

#[tokio::test]
async fn auth_codes_expire_after_sixty_seconds() {
    let app = TestApp::new().await;
    let (code, verifier) = app.auth_code("a@example.com").await;
    app.clock.advance(60);
    assert_eq!(
        app.get(&exchange_uri(&code, &verifier), &[]).await.error(),
        "invalid_grant"
    );
    assert_eq!(
        app.get(&exchange_uri("garbage", &verifier), &[])
            .await
            .error(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::new().await;
    let tokens = app.sign_in("a@example.com").await;
    let rt1 = tokens["refresh_token"].as_str().unwrap();
    let rotated = app
        .post(
            "/api/v1/accesstoken/refresh?client_id=demo",
            json!({"refresh_token": rt1}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    let rt2 = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_eq!(
        jwt_part(rotated.body["access_token"].as_str().unwrap(), 1)["sid"],
        jwt_part(tokens["access_token"].as_str().unwrap(), 1)["sid"]
    );

    app.clock.advance(10); // past the grace for concurrent tabs
    let reused = app
        .post(
            "/api/v1/accesstoken/refresh?client_id=demo",
            json!({"refresh_token": rt1}),
        )
        .await;
    assert_eq!(
        (reused.status, reused.error()),
        (StatusCode::BAD_REQUEST, "refresh_token_reused")
    );
    // The whole family is gone: the newest refresh token and the access tokens too.
    let newest = app
        .post(
            "/api/v1/accesstoken/refresh?client_id=demo",
            json!({"refresh_token": rt2}),
        )
        .await;
    assert_eq!(newest.error(), "invalid_grant");
    let bearer = format!("Bearer {}", rotated.body["access_token"].as_str().unwrap());
    assert_eq!(
        app.get("/api/v1/auth/status", &[("authorization", &bearer)])
            .await
            .error(),
        "invalid_token"
    );
}

#[tokio::test]
async fn refresh_reuse_within_the_grace_period_is_tolerated() {
    let app = TestApp::new().await;
    let rt = app.sign_in("a@example.com").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app
        .post(
            "/api/v1/accesstoken/refresh?client_id=demo",
            json!({"refresh_token": rt}),
        )
        .await;
    app.clock.advance(2);
    let b = app
        .post(
            "/api/v1/accesstoken/refresh?client_id=demo",
            json!({"refresh_token": rt}),
        )
        .await;
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
}

#[tokio::test]
async fn refresh_by_get_and_bad_refresh_tokens() {
    let app = TestApp::new().await;
    let rt = app.sign_in("a@example.com").await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = app
        .get(
            &format!("/api/v1/accesstoken/refresh?client_id=demo&refresh_token={rt}"),
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        app.get(
            "/api/v1/accesstoken/refresh?client_id=demo&refresh_token=nope",
            &[]
        )
        .await
        .error(),
        "invalid_grant"
    );
    assert_eq!(
        app.get("/api/v1/accesstoken/refresh?client_id=demo", &[])
            .await
            .error(),
        "invalid_request"
    );
    let expired_rt = ok.body["refresh_token"].as_str().unwrap();
    app.clock.advance(30 * 24 * 3600);
    let expired = app
        .post(
            "/api/v1/accesstoken/refresh?client_id=demo",
            json!({"refresh_token": expired_rt}),
        )
        .await;
    assert_eq!(expired.error(), "invalid_grant");
}

#[tokio::test]
async fn auth_status_returns_user_and_session() {
    let app = TestApp::new().await;
    let at = app.sign_in("a@example.com").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {at}");
    let status = app
        .get(
            "/api/v1/auth/status?client_id=demo",
            &[("authorization", &bearer), ("origin", ORIGIN)],
        )
        .await;
    assert_eq!(status.status, StatusCode::OK, "{:?}", status.body);
    assert_eq!(status.body["authenticated"], true);
    assert_eq!(status.body["user"]["email"], "a@example.com");
    assert_eq!(status.body["user"]["email_verified"], true);
    assert_eq!(status.body["session"]["id"], jwt_part(&at, 1)["sid"]);
    assert_eq!(status.headers["access-control-allow-origin"], ORIGIN);
}

#[tokio::test]
async fn auth_status_refuses_missing_forged_and_expired_tokens() {
    let app = TestApp::new().await;
    let missing = app.get("/api/v1/auth/status", &[]).await;
    assert_eq!(
        (missing.status, missing.error()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    assert!(
        missing.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(
        app.get("/api/v1/auth/status", &[("authorization", "Bearer a.b.c")])
            .await
            .error(),
        "invalid_token"
    );
    assert_eq!(
        app.get("/api/v1/auth/status", &[("authorization", "Basic abc")])
            .await
            .error(),
        "invalid_token"
    );

    let at = app.sign_in("a@example.com").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Tamper with the payload: the signature no longer matches.
    let mut parts: Vec<String> = at.split('.').map(str::to_owned).collect();
    let mut claims = jwt_part(&at, 1);
    claims["sub"] = json!("usr_someone_else");
    use base64::Engine as _;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = format!("Bearer {}", parts.join("."));
    assert_eq!(
        app.get("/api/v1/auth/status", &[("authorization", &forged)])
            .await
            .error(),
        "invalid_token"
    );

    let bearer = format!("Bearer {at}");
    let other_client = app
        .get(
            "/api/v1/auth/status?client_id=other",
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(other_client.error(), "invalid_token");
    app.clock.advance(3600);
    assert_eq!(
        app.get("/api/v1/auth/status", &[("authorization", &bearer)])
            .await
            .error(),
        "invalid_token"
    );
}
