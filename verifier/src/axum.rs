//! axum integration (feature `axum`): a tower layer that verifies the bearer token of every
//! request, an extractor for the verified [`Claims`], and role, permission and scope guards.
//!
//! ```
//! use axum::{Router, routing::get};
//! use verifier::axum::{AuthLayer, Authenticated, RequireLayer};
//! # fn app(verifier: verifier::Verifier) -> Router {
//!
//! async fn me(Authenticated(claims): Authenticated) -> String {
//!     claims.sub
//! }
//!
//! Router::new()
//!     .route("/admin", get(|| async { "hello admin" }))
//!     .route_layer(RequireLayer::role("admin"))   // 403 insufficient_scope without the role
//!     .route("/me", get(me))
//!     .layer(AuthLayer::new(verifier))            // 401 invalid_token without a valid token
//! # }
//! ```
//!
//! Failures follow RFC 6750: `401` with `WWW-Authenticate: Bearer error="invalid_token",
//! error_description="..."` (just `Bearer` when no token was sent), `403` with
//! `error="insufficient_scope"` from the guards, and `503` when the issuer's keys are
//! unavailable. The body is `{"error": code, "message": text}`.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tower::{Layer, Service};

use crate::{Claims, Verifier, VerifyError};

/// Why a request was refused; answers with the RFC 6750 status and `WWW-Authenticate`.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No `Authorization: Bearer` header.
    MissingToken,
    /// The token was refused.
    InvalidToken(VerifyError),
    /// The token lacks a role, permission or scope a guard requires.
    InsufficientScope(String),
    /// Neither an [`AuthLayer`] ran nor is a [`Verifier`] in the request extensions.
    NotConfigured,
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingToken => f.write_str("a bearer token is required"),
            Self::InvalidToken(error) => write!(f, "{error}"),
            Self::InsufficientScope(what) => write!(f, "the token lacks {what}"),
            Self::NotConfigured => f.write_str("authentication is not configured"),
        }
    }
}

/// Keeps only the characters RFC 6750 allows in `error_description`.
fn description(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, ' '..='~') && *c != '"' && *c != '\\')
        .take(200)
        .collect()
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (status, code, challenge) = match &self {
            Self::MissingToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "Bearer".to_owned(),
            ),
            Self::InvalidToken(error) if error.is_unavailable() => {
                tracing::warn!(%error, "cannot verify tokens");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    String::new(),
                )
            }
            Self::InvalidToken(_) => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                format!(
                    "Bearer error=\"invalid_token\", error_description=\"{}\"",
                    description(&message)
                ),
            ),
            Self::InsufficientScope(_) => (
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!(
                    "Bearer error=\"insufficient_scope\", error_description=\"{}\"",
                    description(&message)
                ),
            ),
            Self::NotConfigured => {
                tracing::error!("Authenticated used without AuthLayer or a Verifier extension");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", String::new())
            }
        };
        let body = serde_json::json!({"error": code, "message": message}).to_string();
        let mut response = (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
        if !challenge.is_empty()
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn authenticate(verifier: &Verifier, headers: &HeaderMap) -> Result<Claims, AuthRejection> {
    let token = bearer_token(headers).ok_or(AuthRejection::MissingToken)?;
    verifier
        .verify(token)
        .await
        .map_err(AuthRejection::InvalidToken)
}

/// The verified claims of the request. Taken from an [`AuthLayer`] that ran before, else
/// verified here with a [`Verifier`] found in the request extensions
/// (`.layer(Extension(verifier))`).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Claims);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(claims) = parts.extensions.get::<Claims>() {
            return Ok(Self(claims.clone()));
        }
        let verifier = parts
            .extensions
            .get::<Verifier>()
            .cloned()
            .ok_or(AuthRejection::NotConfigured)?;
        let claims = authenticate(&verifier, &parts.headers).await?;
        parts.extensions.insert(claims.clone());
        Ok(Self(claims))
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A tower layer that verifies the bearer token of every request and puts the [`Claims`] in
/// the request extensions, or answers 401 (503 if the keys are unavailable).
#[derive(Debug, Clone)]
pub struct AuthLayer {
    verifier: Verifier,
}

impl AuthLayer {
    /// Verifies with `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service of [`AuthLayer`].
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    verifier: Verifier,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The clone is not ready; swap so the service that was polled ready handles the call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            match authenticate(&verifier, request.headers()).await {
                Ok(claims) => {
                    request.extensions_mut().insert(claims);
                    inner.call(request).await
                }
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}

/// What a [`RequireLayer`] checks.
#[derive(Debug, Clone)]
enum Requirement {
    Role(String),
    Permission(String),
    Scope(String),
}

/// A guard: 403 `insufficient_scope` unless the verified claims (from an [`AuthLayer`]
/// applied outside it) have a role, permission or scope; 401 if there are no claims.
#[derive(Debug, Clone)]
pub struct RequireLayer {
    requirement: Requirement,
}

impl RequireLayer {
    /// Requires the role `role`.
    pub fn role(role: impl Into<String>) -> Self {
        Self {
            requirement: Requirement::Role(role.into()),
        }
    }

    /// Requires the permission `permission`.
    pub fn permission(permission: impl Into<String>) -> Self {
        Self {
            requirement: Requirement::Permission(permission.into()),
        }
    }

    /// Requires the OAuth scope `scope`.
    pub fn scope(scope: impl Into<String>) -> Self {
        Self {
            requirement: Requirement::Scope(scope.into()),
        }
    }

    fn check(&self, claims: &Claims) -> Result<(), AuthRejection> {
        let (ok, what) = match &self.requirement {
            Requirement::Role(role) => (claims.has_role(role), format!("the role {role}")),
            Requirement::Permission(p) => (claims.has_permission(p), format!("the permission {p}")),
            Requirement::Scope(scope) => (claims.has_scope(scope), format!("the scope {scope}")),
        };
        if ok {
            Ok(())
        } else {
            Err(AuthRejection::InsufficientScope(what))
        }
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            guard: self.clone(),
        }
    }
}

/// The service of [`RequireLayer`].
#[derive(Debug, Clone)]
pub struct RequireService<S> {
    inner: S,
    guard: RequireLayer,
}

impl<S> Service<Request> for RequireService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let verdict = match request.extensions().get::<Claims>() {
            Some(claims) => self.guard.check(claims),
            None => Err(AuthRejection::MissingToken),
        };
        match verdict {
            Ok(()) => {
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                Box::pin(async move { inner.call(request).await })
            }
            Err(rejection) => Box::pin(async move { Ok(rejection.into_response()) }),
        }
    }
}
