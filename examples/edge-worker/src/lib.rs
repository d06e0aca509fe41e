//! Run: `cargo xtask edge-worker` (builds the wasm, installs workerd from npm, serves on
//! <http://127.0.0.1:8787>; with `cargo xtask demo` running on :8080 it trusts that server)
//!
//! A Cloudflare-style worker that verifies bearer tokens at the edge, built with plain
//! wasm-bindgen (no workers-rs): `worker.js` is an ES-module worker whose `fetch(request,
//! env)` calls [`handle`] in this crate's wasm, and the verifier fetches the issuer's JWKS
//! through the runtime's own `fetch`, passed in as a [`verifier::JwksFetcher`].
//!
//! - `Authorization: Bearer <valid token>` → `200 {"sub": ..., "email": ..., "roles": [...]}`
//! - no token → `401` with `WWW-Authenticate: Bearer`
//! - a token that fails any check → `401` with `WWW-Authenticate: Bearer error="invalid_token"`
//! - the issuer's keys cannot be fetched → `503`
//!
//! Settings are the worker's `env` bindings (text): `ISSUER`, `AUDIENCE` (comma-separated),
//! and either `JWKS` (a JWKS document: no network at all) or `JWKS_URL` (default
//! `{ISSUER}/.well-known/jwks.json`). `config.capnp` reads them from the environment.
//!
//! The verifier is built on the first request and kept for the isolate's lifetime, so the
//! JWKS is fetched once and then cached (10 minutes, refetched for an unknown `kid`). There
//! is no background refresh: workerd cancels work left over after a response, so the request
//! that finds the keys too old refreshes them.
//!
//! The test (`tests/workerd.rs`, run by `cargo xtask test`) starts workerd on loopback with a
//! JWKS server and checks the 200 and the 401s for real.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::fmt;

use verifier::{FetchError, KeySource, Verifier, VerifyError};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, RequestRedirect, Response, ResponseInit};

#[wasm_bindgen]
extern "C" {
    /// The runtime's global `fetch`.
    #[wasm_bindgen(js_name = fetch)]
    fn host_fetch(url: &str, init: &RequestInit) -> js_sys::Promise;
}

thread_local! {
    /// One verifier per isolate (wasm is single-threaded), shared by all requests.
    static VERIFIER: RefCell<Option<Verifier>> = const { RefCell::new(None) };
}

/// Answers one request: verifies its bearer token and returns the subject, or a 401.
///
/// # Errors
///
/// Only if the runtime cannot build a `Response`.
#[wasm_bindgen]
pub async fn handle(request: Request, env: JsValue) -> Result<Response, JsValue> {
    let verifier = match verifier(&env) {
        Ok(verifier) => verifier,
        Err(message) => return respond(500, &error_body("misconfigured", &message), None),
    };
    let authorization = request.headers().get("authorization")?;
    let Some(token) = authorization.as_deref().and_then(bearer) else {
        let body = error_body(
            "invalid_request",
            "an Authorization: Bearer token is required",
        );
        return respond(401, &body, Some("Bearer"));
    };
    match verifier.verify(token).await {
        Ok(claims) => {
            let body = serde_json::json!({
                "sub": claims.sub,
                "email": claims.email,
                "roles": claims.roles,
                "permissions": claims.permissions,
            });
            respond(200, &body.to_string(), None)
        }
        Err(error) if error.is_unavailable() => respond(
            503,
            &error_body("temporarily_unavailable", &error.to_string()),
            None,
        ),
        Err(error) => {
            let challenge = r#"Bearer error="invalid_token""#;
            respond(
                401,
                &error_body("invalid_token", &reason(&error)),
                Some(challenge),
            )
        }
    }
}

/// The token of `Bearer <token>` (the scheme is case-insensitive).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What to tell the client. The error's text never contains the token; an unknown `kid` is
/// attacker-chosen, so it is not echoed.
fn reason(error: &VerifyError) -> String {
    match error {
        VerifyError::UnknownKey { .. } => "the token was signed with an unknown key".to_owned(),
        other => other.to_string(),
    }
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "error": code, "message": message }).to_string()
}

fn respond(status: u16, body: &str, challenge: Option<&str>) -> Result<Response, JsValue> {
    let headers = Headers::new()?;
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "no-store")?;
    if let Some(challenge) = challenge {
        headers.set("www-authenticate", challenge)?;
    }
    let init = ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    Response::new_with_opt_str_and_init(Some(body), &init)
}

/// The isolate's verifier, built from `env` on first use.
fn verifier(env: &JsValue) -> Result<Verifier, String> {
    if let Some(verifier) = VERIFIER.with_borrow(Clone::clone) {
        return Ok(verifier);
    }
    let issuer = text(env, "ISSUER").ok_or("the ISSUER binding is not set")?;
    let audiences = text(env, "AUDIENCE").ok_or("the AUDIENCE binding is not set")?;
    let audiences: Vec<&str> = audiences.split(',').map(str::trim).collect();
    let keys = match (text(env, "JWKS"), text(env, "JWKS_URL")) {
        (Some(document), _) => KeySource::jwks_json(&document).map_err(|e| e.to_string())?,
        (None, Some(url)) => KeySource::jwks_url(url),
        (None, None) => KeySource::jwks_url(format!(
            "{}/.well-known/jwks.json",
            issuer.trim_end_matches('/')
        )),
    };
    let verifier = Verifier::builder(issuer.as_str(), audiences, keys)
        .fetcher(fetch_jwks)
        // No background tasks: the request that finds the keys too old refreshes them.
        .spawner(|_task| {})
        .build()
        .map_err(|e| e.to_string())?;
    VERIFIER.with_borrow_mut(|slot| *slot = Some(verifier.clone()));
    Ok(verifier)
}

/// A non-empty text binding of `env`.
fn text(env: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(env, &JsValue::from_str(name))
        .ok()?
        .as_string()
        .filter(|value| !value.trim().is_empty())
}

/// The [`verifier::JwksFetcher`]: the runtime's `fetch`, without following redirects.
async fn fetch_jwks(url: String) -> Result<Vec<u8>, FetchError> {
    let headers = Headers::new().map_err(JsFailure::from)?;
    headers
        .set("accept", "application/jwk-set+json, application/json")
        .map_err(JsFailure::from)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_redirect(RequestRedirect::Manual);
    init.set_headers(&headers);
    let response: Response = JsFuture::from(host_fetch(&url, &init))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(JsFailure::from)?;
    if response.status() != 200 {
        return Err(FetchError::Status(response.status()));
    }
    let body = response.array_buffer().map_err(JsFailure::from)?;
    let body = JsFuture::from(body).await.map_err(JsFailure::from)?;
    Ok(js_sys::Uint8Array::new(&body).to_vec())
}

/// A JavaScript exception as an error the verifier can keep (`JsValue` is not `Send`).
#[derive(Debug)]
struct JsFailure(String);

impl From<JsValue> for JsFailure {
    fn from(value: JsValue) -> Self {
        let text = value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| format!("{value:?}"));
        Self(text)
    }
}

impl fmt::Display for JsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fetch failed: {}", self.0)
    }
}

impl std::error::Error for JsFailure {}

impl From<JsFailure> for FetchError {
    fn from(failure: JsFailure) -> Self {
        FetchError::transport(failure)
    }
}
