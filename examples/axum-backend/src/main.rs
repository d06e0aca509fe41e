//! Run: `cargo run -p example-axum-backend` (with `cargo xtask demo` running on :8080)
//!
//! An API on <http://127.0.0.1:3000> that trusts access tokens from the SSOJet server:
//! `/public` is open, `/me` needs a valid token, `/admin` also the `admin` role and
//! `/reports` the `reports:read` permission. Settings come from the environment:
//! `ISSUER` (default `http://127.0.0.1:8080`), `AUDIENCE` (`demo`), `JWKS_URL`
//! (`{ISSUER}/.well-known/jwks.json`) and `LISTEN` (`127.0.0.1:3000`).
//!
//! ```sh
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/me
//! ```

use axum::routing::get;
use axum::{Json, Router};
use verifier::axum::{AuthLayer, Authenticated, RequireLayer};
use verifier::{KeySource, Verifier};

/// The routes; every one but `/public` needs a verified token.
fn app(verifier: Verifier) -> Router {
    let admin = Router::new()
        .route("/admin", get(|| async { "hello, admin" }))
        .route_layer(RequireLayer::role("admin"));
    let reports = Router::new()
        .route("/reports", get(|| async { "the reports" }))
        .route_layer(RequireLayer::permission("reports:read"));
    Router::new()
        .route("/me", get(me))
        .merge(admin)
        .merge(reports)
        .layer(AuthLayer::new(verifier))
        .route("/public", get(|| async { "open to all" }))
}

async fn me(Authenticated(claims): Authenticated) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "sub": claims.sub,
        "email": claims.email,
        "roles": claims.roles,
        "permissions": claims.permissions,
    }))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let issuer = env_or("ISSUER", "http://127.0.0.1:8080");
    let audience = env_or("AUDIENCE", "demo");
    let jwks = env_or("JWKS_URL", &format!("{issuer}/.well-known/jwks.json"));
    let listen = env_or("LISTEN", "127.0.0.1:3000");
    let verifier = Verifier::new(issuer, audience, KeySource::jwks_url(jwks))?;
    if let Err(error) = verifier.refresh_keys().await {
        eprintln!("warning: cannot fetch the JWKS yet ({error}); will retry on the first request");
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    eprintln!("listening on http://{listen}");
    axum::serve(listener, app(verifier)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode, header};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use ed25519_dalek::Signer as _;
    use serde_json::json;
    use tower::ServiceExt as _;
    use verifier::{KeySource, ManualClock, Verifier};

    const NOW: u64 = 1_750_000_000;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn signing_key() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[42; 32])
    }

    fn verifier() -> Verifier {
        let x = b64(&signing_key().verifying_key().to_bytes());
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA", "x": x});
        Verifier::builder(
            "https://issuer.test",
            ["demo"],
            KeySource::jwk(jwk.to_string()),
        )
        .clock(ManualClock::at_unix(NOW))
        .build()
        .unwrap()
    }

    fn token(claims: &serde_json::Value) -> String {
        let header = json!({"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        format!(
            "{input}.{}",
            b64(&signing_key().sign(input.as_bytes()).to_bytes())
        )
    }

    fn claims(roles: &[&str], permissions: &[&str]) -> serde_json::Value {
        json!({"iss": "https://issuer.test", "aud": "demo", "sub": "usr_1", "iat": NOW,
               "exp": NOW + 600, "email": "a@example.com", "roles": roles,
               "permissions": permissions})
    }

    async fn get(path: &str, token: Option<&str>) -> (StatusCode, String, String) {
        let mut request = Request::get(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = super::app(verifier())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, challenge, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn public_route_needs_no_token() {
        assert_eq!(get("/public", None).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn me_returns_the_verified_claims() {
        let (status, _, body) = get("/me", Some(&token(&claims(&[], &[])))).await;
        assert_eq!(status, StatusCode::OK);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["sub"], "usr_1");
        assert_eq!(body["email"], "a@example.com");
    }

    #[tokio::test]
    async fn missing_token_is_401_with_a_bearer_challenge() {
        let (status, challenge, _) = get("/me", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(challenge, "Bearer");
    }

    #[tokio::test]
    async fn expired_or_forged_token_is_401_invalid_token() {
        let expired = token(
            &json!({"iss": "https://issuer.test", "aud": "demo", "sub": "u",
                                   "iat": NOW - 700, "exp": NOW - 100}),
        );
        let (status, challenge, body) = get("/me", Some(&expired)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            challenge,
            r#"Bearer error="invalid_token", error_description="token expired""#
        );
        assert!(body.contains(r#""error":"invalid_token""#));
        let forged = format!("{}AAAA", &token(&claims(&["admin"], &[]))[..100]);
        assert_eq!(
            get("/admin", Some(&forged)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }

    #[tokio::test]
    async fn guards_answer_403_insufficient_scope() {
        let user = token(&claims(&["member"], &[]));
        let (status, challenge, _) = get("/admin", Some(&user)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(challenge.starts_with(r#"Bearer error="insufficient_scope""#));
        assert_eq!(get("/reports", Some(&user)).await.0, StatusCode::FORBIDDEN);

        let admin = token(&claims(&["admin"], &["reports:read"]));
        assert_eq!(get("/admin", Some(&admin)).await.0, StatusCode::OK);
        assert_eq!(get("/reports", Some(&admin)).await.0, StatusCode::OK);
    }
}
