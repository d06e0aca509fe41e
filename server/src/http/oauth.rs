//! Social login and enterprise SSO through OpenID Connect providers (see [`crate::oidc`]).
//! `authorize` and `callback` are top-level browser navigations (redirects), so the CORS layer
//! lets them through; `sso/lookup` is a normal CORS call of the widget.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use protocol::{
    ErrorBody, OAuthAuthorizeQuery, OAuthCallbackQuery, SsoConnection, SsoLookupQuery,
    SsoLookupResponse,
};

use super::extract::{ApiQuery, ClientIp, PublicClient};
use crate::AppState;
use crate::auth::AuthError;
use crate::error::ApiResult;
use crate::mail::escape_html;

/// Start a sign-in at a social provider (`{provider}` = a slug from `config`'s `providers`) or
/// an organization's SSO connection (`{provider}` = the `org_…` id from `sso/lookup`).
#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/authorize", tag = "federation",
    params(("provider" = String, Path, description = "Provider slug (e.g. `google`) or organization id"), OAuthAuthorizeQuery),
    responses((status = 303, description = "To the provider's sign-in page"),
              (status = 400, body = ErrorBody, description = "invalid_request, invalid_redirect_uri"),
              (status = 401, body = ErrorBody, description = "invalid_client"),
              (status = 404, body = ErrorBody, description = "unknown_provider"),
              (status = 429, body = ErrorBody, description = "rate_limited (per IP), with `Retry-After`"),
              (status = 500, body = ErrorBody, description = "server_error"),
              (status = 502, body = ErrorBody, description = "provider_unavailable (a failure is remembered for 30 s)")))]
pub async fn authorize(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiQuery(query): ApiQuery<OAuthAuthorizeQuery>,
) -> ApiResult<Response> {
    let url = state
        .auth
        .start_federated(
            &client,
            &provider,
            &query.code_challenge,
            &query.redirect_uri,
            query.state.as_deref(),
            query.login_hint.as_deref(),
            &ip,
        )
        .await?;
    Ok(no_store(Redirect::to(&url).into_response()))
}

/// The provider sends the browser back here. Success: 303 to the redirect URI with
/// `?code=<auth code>&state=<widget state>`; failure: `?error=&error_description=&state=`.
/// A callback matching no live sign-in gets an error page (nowhere safe to redirect to).
#[utoipa::path(get, path = "/api/v1/auth/oauth/{provider}/callback", tag = "federation",
    params(("provider" = String, Path, description = "Provider slug or organization id"), OAuthCallbackQuery),
    responses((status = 303, description = "Back to the client's redirect URI with code or error"),
              (status = 400, description = "invalid_state: an error page (HTML); invalid_request (JSON): a query that does not parse",
               content((String = "text/html"), (ErrorBody = "application/json"))),
              (status = 500, description = "server_error: an error page (HTML)", content_type = "text/html", body = String)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    ClientIp(ip): ClientIp,
    ApiQuery(query): ApiQuery<OAuthCallbackQuery>,
) -> Response {
    match state.auth.finish_federated(&provider, &query, &ip).await {
        Ok(url) => no_store(Redirect::to(&url).into_response()),
        Err(e) => error_page(&e),
    }
}

/// The SSO connection for an email's domain, if any: send the browser to
/// `auth/oauth/{connection.provider}/authorize` instead of sending a code.
#[utoipa::path(get, path = "/api/v1/auth/sso/lookup", tag = "federation", params(SsoLookupQuery),
    responses((status = 200, body = SsoLookupResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn sso_lookup(
    State(state): State<AppState>,
    PublicClient(_client): PublicClient,
    ApiQuery(query): ApiQuery<SsoLookupQuery>,
) -> ApiResult<Json<SsoLookupResponse>> {
    let connection = state
        .auth
        .sso_lookup(&query.email)
        .await?
        .map(|(provider, organization)| SsoConnection {
            provider,
            organization,
        });
    Ok(Json(SsoLookupResponse { connection }))
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

fn error_page(error: &AuthError) -> Response {
    let (status, code, text) = match error {
        AuthError::InvalidState(m) => (StatusCode::BAD_REQUEST, "invalid_state", *m),
        other => {
            tracing::error!(error = %other, "federated callback failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Something went wrong on our side. Please try again.",
            )
        }
    };
    super::magic_link::page(
        status,
        "This sign-in cannot be completed",
        &format!(
            "<p class=\"ssojet-subtitle\" data-testid=\"oauth-error\" data-error=\"{code}\">{}</p>\
             <p class=\"ssojet-subtitle\">Go back to the sign-in page and start again.</p>",
            escape_html(text)
        ),
    )
}
