//! Email one-time codes.

use axum::Json;
use axum::extract::State;
use protocol::{
    ClientQuery, ErrorBody, OtpResendRequest, OtpSendRequest, OtpSendResponse, OtpVerifyRequest,
    OtpVerifyResponse,
};

use super::extract::{ApiJson, ClientIp, PublicClient};
use crate::AppState;
use crate::clock::rfc3339;
use crate::error::ApiResult;

/// Email a six-digit code.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/magic-otp/send", tag = "passwordless",
    params(ClientQuery), request_body = OtpSendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpSendRequest>,
) -> ApiResult<Json<OtpSendResponse>> {
    let started = state
        .auth
        .start_email_otp(&client, &body.email, &body.code_challenge, &ip)
        .await?;
    Ok(Json(OtpSendResponse {
        state: started.state,
        expires_at: rfc3339(started.expires_at),
    }))
}

/// Email a new code for the same request (at least 30 s after the last; never resets tries).
#[utoipa::path(post, path = "/api/v1/auth/passwordless/email-otp/resend", tag = "passwordless",
    params(ClientQuery), request_body = OtpResendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpResendRequest>,
) -> ApiResult<Json<OtpSendResponse>> {
    let started = state.auth.resend_otp(&client, &body.state, &ip).await?;
    Ok(Json(OtpSendResponse {
        state: started.state,
        expires_at: rfc3339(started.expires_at),
    }))
}

/// Check a code; success returns a single-use authorization code (60 s) bound to the PKCE challenge.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/email-otp/verify", tag = "passwordless",
    params(ClientQuery), request_body = OtpVerifyRequest,
    responses((status = 200, body = OtpVerifyResponse), (status = 400, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpVerifyRequest>,
) -> ApiResult<Json<OtpVerifyResponse>> {
    let code = state
        .auth
        .verify_otp(&client, &body.state, &body.otp, &ip)
        .await?;
    Ok(Json(OtpVerifyResponse {
        authenticated: true,
        code,
        state: body.state,
    }))
}
