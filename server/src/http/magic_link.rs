//! Magic links. The emailed URL opens a confirm page whose button POSTs, so mail scanners that
//! prefetch links do not use them up. After confirming, the browser that started the sign-in
//! (recognised by a first-party cookie set by the send) is redirected to the client's
//! redirect URI with `state`; any other device gets a page saying the sign-in happened on
//! the other device, whose widget finishes by polling `status` with its PKCE verifier.

use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use protocol::{
    ClientQuery, ErrorBody, MagicLinkSendRequest, MagicLinkStatus, MagicLinkStatusQuery,
    MagicLinkStatusResponse, OtpResendRequest, OtpSendResponse,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiQuery, ClientIp, PublicClient};
use crate::AppState;
use crate::auth::AuthError;
use crate::crypto;
use crate::error::ApiResult;
use crate::mail::escape_html;
use crate::passwordless::{Channel, LinkStatus};

const FLOW_COOKIE: &str = "ssojet_link_flow";

/// The cookie value binding a flow to the browser that started it (a hash of `state`).
fn flow_tag(state: &str) -> String {
    crypto::sha256_hex(state.as_bytes())[..32].to_owned()
}

fn flow_cookie(state: &AppState, flow: &str) -> HeaderValue {
    let secure = if state.public_origin.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{FLOW_COOKIE}={}; Path={}; Max-Age=3600; HttpOnly; SameSite=Lax{secure}",
        flow_tag(flow),
        protocol::routes::MAGIC_LINK_VERIFY
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn sent_with_cookie(app: &AppState, started: crate::passwordless::Started) -> Response {
    let cookie = flow_cookie(app, &started.state);
    let mut response = super::otp::sent(started).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// Email a magic link.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/magic-link/send", tag = "passwordless",
    params(ClientQuery), request_body = MagicLinkSendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<MagicLinkSendRequest>,
) -> ApiResult<Response> {
    let started = state
        .auth
        .start_magic_link(
            &client,
            &body.email,
            &body.code_challenge,
            body.redirect_uri.as_deref(),
            body.locale.as_deref(),
            &ip,
        )
        .await?;
    Ok(sent_with_cookie(&state, started))
}

/// Email a new magic link for the same request.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/magic-link/resend", tag = "passwordless",
    params(ClientQuery), request_body = OtpResendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpResendRequest>,
) -> ApiResult<Response> {
    let started = state
        .auth
        .resend(&client, &body.state, Channel::Email, true, &ip)
        .await?;
    Ok(sent_with_cookie(&state, started))
}

/// The emailed link's query (and the confirm form's fields).
#[derive(Debug, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct LinkParams {
    /// The sign-in request.
    state: String,
    /// The link's secret.
    magictext: String,
}

/// The page the emailed link opens: a button that confirms the sign-in.
#[utoipa::path(get, path = "/api/v1/auth/passwordless/magic-link/verify", tag = "passwordless", params(LinkParams),
    responses((status = 200, description = "A confirm page (HTML)"), (status = 400, description = "An error page (HTML)")))]
pub async fn confirm_page(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<LinkParams>,
) -> Response {
    match state.auth.magic_link_client(&params.state).await {
        Ok(client) => page(
            StatusCode::OK,
            &format!("Sign in to {}", client.name),
            &format!(
                "<p class=\"ssojet-subtitle\">Confirm that you want to sign in to <strong>{}</strong>.</p>\
                 <form method=\"post\" action=\"{}\">\
                 <input type=\"hidden\" name=\"state\" value=\"{}\">\
                 <input type=\"hidden\" name=\"magictext\" value=\"{}\">\
                 <button class=\"ssojet-button\" type=\"submit\" data-testid=\"confirm-sign-in\">Sign in</button></form>",
                escape_html(&client.name),
                protocol::routes::MAGIC_LINK_VERIFY,
                escape_html(&params.state),
                escape_html(&params.magictext)
            ),
        ),
        Err(e) => error_page(&e),
    }
}

/// Confirms the sign-in (the confirm page's button).
#[utoipa::path(post, path = "/api/v1/auth/passwordless/magic-link/verify", tag = "passwordless",
    responses((status = 303, description = "Back to the starting browser's page"),
              (status = 200, description = "Signed in on the other device (HTML)")))]
pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(params): Form<LinkParams>,
) -> Response {
    let confirmed = match state
        .auth
        .confirm_magic_link(&params.state, &params.magictext, &ip)
        .await
    {
        Ok(confirmed) => confirmed,
        Err(e) => return error_page(&e),
    };
    let same_browser = cookie(&headers, FLOW_COOKIE).is_some_and(|v| v == flow_tag(&params.state));
    match confirmed.redirect_uri {
        Some(uri) if same_browser => Redirect::to(&uri).into_response(),
        _ => page(
            StatusCode::OK,
            "You are signed in",
            &format!(
                "<p class=\"ssojet-subtitle\" data-testid=\"other-device\">You are signed in to <strong>{}</strong> on your other device. \
                 You can close this tab.</p>",
                escape_html(&confirmed.client_name)
            ),
        ),
    }
}

/// The starting browser polls here with its PKCE verifier.
#[utoipa::path(get, path = "/api/v1/auth/passwordless/magic-link/status", tag = "passwordless",
    params(ClientQuery, MagicLinkStatusQuery),
    responses((status = 200, body = MagicLinkStatusResponse), (status = 400, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ApiQuery(query): ApiQuery<MagicLinkStatusQuery>,
) -> ApiResult<Json<MagicLinkStatusResponse>> {
    let (status, code) = match state
        .auth
        .magic_link_status(&client, &query.state, &query.code_verifier)
        .await?
    {
        LinkStatus::Pending => (MagicLinkStatus::Pending, None),
        LinkStatus::Verified(code) => (MagicLinkStatus::Verified, Some(code)),
        LinkStatus::Expired => (MagicLinkStatus::Expired, None),
    };
    Ok(Json(MagicLinkStatusResponse {
        status,
        state: query.state,
        code,
    }))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn error_page(error: &AuthError) -> Response {
    let (title, text) = match error {
        AuthError::OtpExpired => (
            "This link has expired",
            "Go back to the sign-in page and ask for a new link.",
        ),
        AuthError::TooManyAttempts => (
            "This link can no longer be used",
            "Go back to the sign-in page and start again.",
        ),
        AuthError::InvalidGrant(_) => (
            "This link was already used",
            "Each link signs in once. Ask for a new one if you need to.",
        ),
        AuthError::InvalidOtp { .. } | AuthError::InvalidRequest(_) => (
            "This link is not valid",
            "Check that you opened the whole link from the email, or ask for a new one.",
        ),
        other => {
            tracing::error!(error = %other, "magic link confirmation failed");
            ("Something went wrong", "Please try again in a moment.")
        }
    };
    page(
        StatusCode::BAD_REQUEST,
        title,
        &format!(
            "<p class=\"ssojet-subtitle\" data-testid=\"link-error\">{}</p>",
            escape_html(text)
        ),
    )
}

/// A small server-rendered page (`body` is trusted HTML built with escaped values).
pub(super) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/widget/ssojet.css\"></head>\
         <body class=\"ssojet-page\"><main class=\"ssojet-card\"><h1 class=\"ssojet-title\">{title}</h1>{body}</main></body></html>",
        title = escape_html(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
