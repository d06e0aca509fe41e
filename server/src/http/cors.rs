//! CORS and origin checks: a browser request (one with an `Origin` header) that names a client
//! is answered only when its origin is one of that client's allowed origins, exactly.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;

use super::extract::query_client_id;
use crate::AppState;
use crate::error::ApiError;

const ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "authorization, content-type";
const MAX_AGE: &str = "600";

/// Public documents any page may read: keys, discovery, OpenAPI, and the widget's files (a
/// customer's page imports `widget.js` and fetches the wasm in CORS mode).
fn is_public_document(path: &str) -> bool {
    path.starts_with("/.well-known/")
        || path.starts_with("/api/v1/.well-known/")
        || path == protocol::routes::OPENAPI
        || path.starts_with("/widget/")
}

/// Top-level navigations, not CORS calls: the magic link's confirm form posts here from the
/// server's own page, and browsers send `Origin: null` for it under `Referrer-Policy:
/// no-referrer`. The link's secret, not the origin, protects it.
fn is_navigation(path: &str) -> bool {
    path == protocol::routes::MAGIC_LINK_VERIFY || is_oauth_redirect(path)
}

/// The social/SSO authorize and callback steps: the browser navigates there (and is redirected
/// on to the provider or back to a validated redirect URI); the redirect URI check and the
/// single-use `state`, not the origin, protect them.
fn is_oauth_redirect(path: &str) -> bool {
    path.strip_prefix("/api/v1/auth/oauth/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(provider, step)| {
            !provider.is_empty() && (step == "authorize" || step == "callback")
        })
}

/// The middleware.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(header::ORIGIN).cloned() else {
        return next.run(request).await;
    };
    if is_navigation(request.uri().path()) {
        return next.run(request).await;
    }
    let preflight = request.method() == Method::OPTIONS;
    if is_public_document(request.uri().path()) {
        let mut response = if preflight {
            StatusCode::NO_CONTENT.into_response()
        } else {
            next.run(request).await
        };
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        if preflight {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(MAX_AGE),
            );
        }
        return response;
    }
    let (mut parts, body) = request.into_parts();
    let Some(client_id) = query_client_id(&parts.uri) else {
        // No client named: only same-origin pages of this server itself (demo page, mailbox).
        let own = state.public_origin.as_bytes() == origin.as_bytes();
        if own {
            return next.run(Request::from_parts(parts, body)).await;
        }
        return refuse("Browser calls must name their client with ?client_id=");
    };
    let client = match state.auth.store.client(&client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return ApiError::invalid_client("Unknown client_id").into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|o| client.allowed_origins.iter().any(|a| a == o));
    if !allowed {
        tracing::info!(client = %client.id, origin = ?origin, "refused a request from an origin the client does not allow");
        return refuse("This origin is not allowed for this client");
    }
    let mut response = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
        r
    } else {
        parts.extensions.insert(client);
        next.run(Request::from_parts(parts, body)).await
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    response
}

fn refuse(message: &'static str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, ErrorCode::InvalidOrigin, message).into_response()
}
