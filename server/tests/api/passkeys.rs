//! Passkeys, driven by webauthn-authenticator-rs's `SoftPasskey` (a software authenticator
//! that signs like a real one). The server runs at `https://auth.test`: the authenticator, like
//! a browser, refuses plain HTTP except on localhost.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::crypto::pkce_challenge;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{
    Base64UrlSafeData, CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url,
};
use webauthn_rs_proto::AllowCredentials;

use crate::support::{ORIGIN, Reply, TestApp, jwt_part};

const HTTPS: &str = "https://auth.test";
const REGISTER: &str = "/api/v1/auth/passwordless/passkey/register?client_id=demo";
const LOGIN: &str = "/api/v1/auth/passwordless/passkey/login?client_id=demo";
const CREDENTIALS: &str = "/api/v1/auth/passwordless/passkey/credentials";
const LIST: &str = "/api/v1/auth/passwordless/passkey/credentials?client_id=demo";
const VERIFIER: &str = "passkey-verifier-0123456789abcdefghijklmnopqrstuvwxyz";

type Authenticator = WebauthnAuthenticator<SoftPasskey>;

fn authenticator() -> Authenticator {
    // `true`: the soft key sets the user-verified flag when asked to (it has no PIN or
    // biometric of its own), as a platform authenticator would after a fingerprint.
    WebauthnAuthenticator::new(SoftPasskey::new(true))
}

/// A server whose public URL is `https://auth.test`; the demo client also allows the
/// `http://auth.test` origin the shared helpers (`sign_in`) call from.
async fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::support::config(&dir);
    config.public_url = Some(HTTPS.to_owned());
    let app = TestApp::with_config(config, dir).await;
    let store = &app.state.auth.store;
    let mut client = store.client("demo").await.unwrap().unwrap();
    client.allowed_origins.push(ORIGIN.to_owned());
    store.update_client_urls(&client).await.unwrap();
    app
}

async fn call(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("origin", HTTPS)];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth));
    }
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    app.call(
        method,
        uri,
        &headers,
        body.map(|b| Body::from(b.to_string())),
    )
    .await
}

async fn token(app: &TestApp, email: &str) -> String {
    app.sign_in(email).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn register_start(app: &TestApp, token: &str) -> (String, CreationChallengeResponse) {
    let reply = call(app, Method::GET, REGISTER, Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let state = reply.body["state"].as_str().unwrap().to_owned();
    (
        state,
        serde_json::from_value(reply.body["options"].clone()).unwrap(),
    )
}

/// Creates a credential. The soft key cannot store resident keys and refuses options that
/// require one, so the requirement (checked in `register_then_sign_in_…`) is lifted here; the
/// server cannot verify residency anyway (only `credProps` reports it, and it is optional).
fn create(
    key: &mut Authenticator,
    origin: &str,
    mut ccr: CreationChallengeResponse,
) -> RegisterPublicKeyCredential {
    if let Some(selection) = ccr.public_key.authenticator_selection.as_mut() {
        selection.require_resident_key = false;
        selection.resident_key = None;
    }
    key.do_registration(Url::parse(origin).unwrap(), ccr)
        .unwrap()
}

async fn register_finish(
    app: &TestApp,
    token: &str,
    state: &str,
    credential: &RegisterPublicKeyCredential,
) -> Reply {
    call(
        app,
        Method::POST,
        REGISTER,
        Some(token),
        Some(json!({"state": state, "credential": credential, "name": "Soft key"})),
    )
    .await
}

/// A registered passkey: its authenticator, credential id and user handle.
struct Registered {
    key: Authenticator,
    credential_id: Base64UrlSafeData,
    user_handle: Base64UrlSafeData,
    id: String,
}

async fn register(app: &TestApp, token: &str) -> Registered {
    let mut key = authenticator();
    let (state, ccr) = register_start(app, token).await;
    let user_handle = ccr.public_key.user.id.clone();
    let credential = create(&mut key, HTTPS, ccr);
    let reply = register_finish(app, token, &state, &credential).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    Registered {
        key,
        credential_id: credential.raw_id.clone(),
        user_handle,
        id: reply.body["id"].as_str().unwrap().to_owned(),
    }
}

async fn login_start(app: &TestApp, email: Option<&str>) -> (String, RequestChallengeResponse) {
    let mut uri = format!("{LOGIN}&code_challenge={}", pkce_challenge(VERIFIER));
    if let Some(email) = email {
        uri.push_str(&format!("&email={email}"));
    }
    let reply = call(app, Method::GET, &uri, None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    (
        reply.body["state"].as_str().unwrap().to_owned(),
        serde_json::from_value(reply.body["options"].clone()).unwrap(),
    )
}

/// Signs `rcr` with the passkey. For a discoverable request (no allow list) the soft key needs
/// to be told which credential to use, and it does not return the user handle the way a
/// resident-key authenticator does, so this adds it (the handle is not signed).
fn assert_with(
    passkey: &mut Registered,
    origin: &str,
    mut rcr: RequestChallengeResponse,
) -> PublicKeyCredential {
    let discoverable = rcr.public_key.allow_credentials.is_empty();
    if discoverable {
        rcr.public_key.allow_credentials = vec![AllowCredentials {
            type_: "public-key".to_owned(),
            id: passkey.credential_id.clone(),
            transports: None,
        }];
    }
    let mut credential = passkey
        .key
        .do_authentication(Url::parse(origin).unwrap(), rcr)
        .unwrap();
    if discoverable {
        credential.response.user_handle = Some(passkey.user_handle.clone());
    }
    credential
}

async fn login_finish(app: &TestApp, state: &str, credential: &PublicKeyCredential) -> Reply {
    call(
        app,
        Method::POST,
        LOGIN,
        None,
        Some(json!({"state": state, "credential": credential})),
    )
    .await
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
    reply.body
}

#[tokio::test]
async fn register_then_sign_in_with_and_without_an_email() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;

    let (state, ccr) = register_start(&app, &token).await;
    let selection = ccr.public_key.authenticator_selection.clone().unwrap();
    assert!(selection.require_resident_key, "resident key required");
    assert_eq!(ccr.public_key.rp.id, "auth.test");
    let mut key = authenticator();
    let user_handle = ccr.public_key.user.id.clone();
    let credential = create(&mut key, HTTPS, ccr);
    let reply = register_finish(&app, &token, &state, &credential).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["name"], "Soft key");
    assert!(reply.body["id"].as_str().unwrap().starts_with("pk_"));
    let mut passkey = Registered {
        key,
        credential_id: credential.raw_id.clone(),
        user_handle,
        id: reply.body["id"].as_str().unwrap().to_owned(),
    };

    // With the email: the browser is asked for this account's passkeys.
    let (state, rcr) = login_start(&app, Some("Ada@Example.com")).await;
    assert_eq!(rcr.public_key.allow_credentials.len(), 1);
    let assertion = assert_with(&mut passkey, HTTPS, rcr);
    let reply = login_finish(&app, &state, &assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["authenticated"], true);
    let tokens = exchange(&app, reply.body["code"].as_str().unwrap()).await;
    let claims = jwt_part(tokens["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["amr"], json!(["pop", "hwk", "mfa"]));
    assert_eq!(claims["email"], "ada@example.com");

    // Without one: a discoverable (autofill) sign-in.
    let (state, rcr) = login_start(&app, None).await;
    assert!(rcr.public_key.allow_credentials.is_empty());
    assert_eq!(
        serde_json::to_value(&rcr).unwrap()["mediation"],
        "conditional"
    );
    let assertion = assert_with(&mut passkey, HTTPS, rcr);
    let reply = login_finish(&app, &state, &assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let tokens = exchange(&app, reply.body["code"].as_str().unwrap()).await;
    assert_eq!(
        jwt_part(tokens["access_token"].as_str().unwrap(), 1)["sub"],
        claims["sub"]
    );

    // An unknown email or one without passkeys falls back to a discoverable request (no
    // account enumeration through errors).
    let (_, rcr) = login_start(&app, Some("nobody@example.com")).await;
    assert!(rcr.public_key.allow_credentials.is_empty());
    assert!(rcr.mediation.is_none());

    let list = call(&app, Method::GET, LIST, Some(&token), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let first = &list.body["credentials"][0];
    assert_eq!(first["id"], passkey.id.as_str());
    assert!(first["last_used_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first["backup_eligible"], false);

    let status = call(
        &app,
        Method::GET,
        "/api/v1/auth/passwordless/passkey/status?client_id=demo",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status.body, json!({"enabled": true, "count": 1}));
    let kinds = app
        .state
        .auth
        .store
        .audit_kinds(claims["sub"].as_str().unwrap())
        .await
        .unwrap();
    assert!(
        kinds.contains(&"passkey.registered".to_owned()),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn registration_needs_a_signed_in_user_of_the_same_client() {
    let app = app().await;
    let none = call(&app, Method::GET, REGISTER, None, None).await;
    assert_eq!(
        (none.status, none.error()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    let bad = call(&app, Method::GET, REGISTER, Some("not-a-token"), None).await;
    assert_eq!(bad.error(), "invalid_token");

    // A ceremony started by one user cannot be finished by another.
    let ada = token(&app, "ada@example.com").await;
    let bob = token(&app, "bob@example.com").await;
    let (state, ccr) = register_start(&app, &ada).await;
    let credential = create(&mut authenticator(), HTTPS, ccr);
    let reply = register_finish(&app, &bob, &state, &credential).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test]
async fn a_wrong_origin_is_refused() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;

    // Registration from a subdomain the client does not allow.
    let (state, ccr) = register_start(&app, &token).await;
    let credential = create(&mut authenticator(), "https://evil.auth.test", ccr);
    let reply = register_finish(&app, &token, &state, &credential).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "passkey_failed")
    );

    // Sign-in from there.
    let mut passkey = register(&app, &token).await;
    let (state, rcr) = login_start(&app, Some("ada@example.com")).await;
    let assertion = assert_with(&mut passkey, "https://evil.auth.test", rcr);
    let reply = login_finish(&app, &state, &assertion).await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "passkey_failed")
    );

    // An origin the client allows, within the relying party id, is accepted.
    let store = &app.state.auth.store;
    let mut client = store.client("demo").await.unwrap().unwrap();
    client
        .allowed_origins
        .push("https://app.auth.test".to_owned());
    store.update_client_urls(&client).await.unwrap();
    let (state, rcr) = login_start(&app, Some("ada@example.com")).await;
    let assertion = assert_with(&mut passkey, "https://app.auth.test", rcr);
    let reply = login_finish(&app, &state, &assertion).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}

#[tokio::test]
async fn a_replayed_assertion_is_refused() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;
    let mut passkey = register(&app, &token).await;

    let (state, rcr) = login_start(&app, Some("ada@example.com")).await;
    let assertion = assert_with(&mut passkey, HTTPS, rcr);
    assert_eq!(
        login_finish(&app, &state, &assertion).await.status,
        StatusCode::OK
    );
    // The same answer again, to the same ceremony: it is used up.
    let again = login_finish(&app, &state, &assertion).await;
    assert_eq!(
        (again.status, again.error()),
        (StatusCode::BAD_REQUEST, "ceremony_expired")
    );
    // The same answer to a fresh ceremony: the challenge does not match.
    let (fresh, _) = login_start(&app, Some("ada@example.com")).await;
    let replay = login_finish(&app, &fresh, &assertion).await;
    assert_eq!(
        (replay.status, replay.error()),
        (StatusCode::BAD_REQUEST, "passkey_failed")
    );
}

#[tokio::test]
async fn a_challenge_is_single_use_even_after_a_failure() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;

    // Registration: a used ceremony cannot register a second key.
    let (state, ccr) = register_start(&app, &token).await;
    let ccr_again = ccr.clone();
    let first = create(&mut authenticator(), HTTPS, ccr);
    assert_eq!(
        register_finish(&app, &token, &state, &first).await.status,
        StatusCode::OK
    );
    let second = create(&mut authenticator(), HTTPS, ccr_again);
    let reused = register_finish(&app, &token, &state, &second).await;
    assert_eq!(reused.error(), "ceremony_expired");

    // Sign-in: a failed try burns the ceremony, so a right answer afterwards is refused.
    let mut passkey = register(&app, &token).await;
    let (state, rcr) = login_start(&app, Some("ada@example.com")).await;
    let good = assert_with(&mut passkey, HTTPS, rcr.clone());
    let wrong = assert_with(&mut passkey, "https://evil.auth.test", rcr);
    assert_eq!(
        login_finish(&app, &state, &wrong).await.error(),
        "passkey_failed"
    );
    assert_eq!(
        login_finish(&app, &state, &good).await.error(),
        "ceremony_expired"
    );
}

#[tokio::test]
async fn a_ceremony_expires_after_five_minutes() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;
    let mut passkey = register(&app, &token).await;
    let (state, rcr) = login_start(&app, None).await;
    let assertion = assert_with(&mut passkey, HTTPS, rcr);
    app.clock.advance(301);
    let late = login_finish(&app, &state, &assertion).await;
    assert_eq!(
        (late.status, late.error()),
        (StatusCode::BAD_REQUEST, "ceremony_expired")
    );
}

#[tokio::test]
async fn a_counter_that_goes_backwards_is_refused_and_audited() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;
    let mut passkey = register(&app, &token).await;
    // Two sign-ins signed in order (counter 1, then 2) but finished in reverse: the second
    // finish sees the counter go from 2 back to 1, as a cloned authenticator would.
    let (state_a, rcr_a) = login_start(&app, Some("ada@example.com")).await;
    let (state_b, rcr_b) = login_start(&app, Some("ada@example.com")).await;
    let a = assert_with(&mut passkey, HTTPS, rcr_a);
    let b = assert_with(&mut passkey, HTTPS, rcr_b);
    assert_eq!(
        login_finish(&app, &state_b, &b).await.status,
        StatusCode::OK
    );
    let cloned = login_finish(&app, &state_a, &a).await;
    assert_eq!(
        (cloned.status, cloned.error()),
        (StatusCode::BAD_REQUEST, "passkey_failed")
    );
    let user = app
        .state
        .auth
        .store
        .user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let kinds = app.state.auth.store.audit_kinds(&user.id).await.unwrap();
    assert!(
        kinds.contains(&"passkey.counter_regression".to_owned()),
        "{kinds:?}"
    );
    let stored = app
        .state
        .auth
        .store
        .passkey(&passkey.id, &user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.sign_count, 2, "the higher counter is kept");
}

#[tokio::test]
async fn bad_input_gets_clear_codes() {
    let app = app().await;
    let token = token(&app, "ada@example.com").await;

    let malformed = app
        .call(
            Method::POST,
            LOGIN,
            &[("origin", HTTPS), ("content-type", "application/json")],
            Some(Body::from("{\"state\": ")),
        )
        .await;
    assert_eq!(
        (malformed.status, malformed.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    let (state, _) = login_start(&app, None).await;
    let not_webauthn = call(
        &app,
        Method::POST,
        LOGIN,
        None,
        Some(json!({"state": state, "credential": {"id": 1}})),
    )
    .await;
    assert_eq!(
        (not_webauthn.status, not_webauthn.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    let mut passkey = register(&app, &token).await;
    let (_, rcr) = login_start(&app, None).await;
    let assertion = assert_with(&mut passkey, HTTPS, rcr);
    let unknown = login_finish(&app, "no-such-state", &assertion).await;
    assert_eq!(
        (unknown.status, unknown.error()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    // A registration handle is not a sign-in handle.
    let (register_state, _) = register_start(&app, &token).await;
    let crossed = login_finish(&app, &register_state, &assertion).await;
    assert_eq!(crossed.error(), "invalid_request");

    let no_challenge = call(&app, Method::GET, LOGIN, None, None).await;
    assert_eq!(no_challenge.error(), "invalid_request");
    let short_challenge = call(
        &app,
        Method::GET,
        &format!("{LOGIN}&code_challenge=abc"),
        None,
        None,
    )
    .await;
    assert_eq!(short_challenge.error(), "invalid_request");
    let bad_email = call(
        &app,
        Method::GET,
        &format!(
            "{LOGIN}&code_challenge={}&email=not-an-email",
            pkce_challenge(VERIFIER)
        ),
        None,
        None,
    )
    .await;
    assert_eq!(bad_email.error(), "invalid_email");
    let no_client = call(
        &app,
        Method::GET,
        "/api/v1/auth/passwordless/passkey/login",
        None,
        None,
    )
    .await;
    assert_eq!(no_client.status.as_u16() / 100, 4);
}

#[tokio::test]
async fn owners_rename_and_delete_their_passkeys_and_no_one_else_can() {
    let app = app().await;
    let ada = token(&app, "ada@example.com").await;
    let bob = token(&app, "bob@example.com").await;
    let passkey = register(&app, &ada).await;
    let path = format!("{CREDENTIALS}/{}?client_id=demo", passkey.id);

    let renamed = call(
        &app,
        Method::PATCH,
        &path,
        Some(&ada),
        Some(json!({"name": "  Work laptop "})),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert_eq!(renamed.body["name"], "Work laptop");
    let empty = call(
        &app,
        Method::PATCH,
        &path,
        Some(&ada),
        Some(json!({"name": " "})),
    )
    .await;
    assert_eq!(empty.error(), "invalid_request");

    // Bob sees nothing of Ada's.
    let theirs = call(
        &app,
        Method::PATCH,
        &path,
        Some(&bob),
        Some(json!({"name": "mine"})),
    )
    .await;
    assert_eq!(
        (theirs.status, theirs.error()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let theirs = call(&app, Method::DELETE, &path, Some(&bob), None).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let bobs = call(&app, Method::GET, LIST, Some(&bob), None).await;
    assert_eq!(bobs.body["credentials"], json!([]));
    let anonymous = call(&app, Method::DELETE, &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Ada has a verified email, so her only passkey can go.
    let deleted = call(&app, Method::DELETE, &path, Some(&ada), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = call(&app, Method::DELETE, &path, Some(&ada), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let list = call(&app, Method::GET, LIST, Some(&ada), None).await;
    assert_eq!(list.body["credentials"], json!([]));
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_deleted() {
    let app = app().await;
    let ada = token(&app, "ada@example.com").await;
    let first = register(&app, &ada).await;
    let second = register(&app, &ada).await;
    // Take away the verified email (as for an account whose address bounced), straight in
    // the database.
    let pool = sqlx::SqlitePool::connect(&app.state.config.database_url())
        .await
        .unwrap();
    sqlx::query("UPDATE users SET email_verified = 0 WHERE email = 'ada@example.com'")
        .execute(&pool)
        .await
        .unwrap();

    let path = |id: &str| format!("{CREDENTIALS}/{id}?client_id=demo");
    let one = call(&app, Method::DELETE, &path(&first.id), Some(&ada), None).await;
    assert_eq!(
        one.status,
        StatusCode::NO_CONTENT,
        "another passkey is left"
    );
    let last = call(&app, Method::DELETE, &path(&second.id), Some(&ada), None).await;
    assert_eq!(
        (last.status, last.error()),
        (StatusCode::CONFLICT, "last_sign_in_method")
    );
}

#[tokio::test]
async fn passkeys_follow_the_clients_methods() {
    let app = app().await;
    let config = app.get("/api/v1/config?client_id=demo", &[]).await;
    assert!(
        config.body["methods"]
            .as_array()
            .unwrap()
            .contains(&json!("passkey"))
    );
    let store = &app.state.auth.store;
    let mut client = store.client("demo").await.unwrap().unwrap();
    client.methods = vec!["email_code".to_owned()];
    store.update_client_urls(&client).await.unwrap();
    let reply = call(
        &app,
        Method::GET,
        &format!("{LOGIN}&code_challenge={}", pkce_challenge(VERIFIER)),
        None,
        None,
    )
    .await;
    assert_eq!(
        (reply.status, reply.error()),
        (StatusCode::BAD_REQUEST, "method_not_enabled")
    );
}
