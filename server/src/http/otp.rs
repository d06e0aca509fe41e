//! Six-digit codes by email and SMS.

use axum::Json;
use axum::extract::State;
use protocol::{
    ClientQuery, ErrorBody, OtpResendRequest, OtpSendRequest, OtpSendResponse, OtpVerifyRequest,
    OtpVerifyResponse, PhoneOtpSendRequest,
};

use super::extract::{ApiJson, ClientIp, PublicClient};
use crate::AppState;
use crate::clock::rfc3339;
use crate::error::ApiResult;
use crate::passwordless::{Channel, Started};

fn verified(code: String, state: String) -> Json<OtpVerifyResponse> {
    Json(OtpVerifyResponse {
        authenticated: true,
        code,
        state,
    })
}

/// The answer to a send or resend (magic links add a cookie to it).
pub(super) fn sent(started: Started) -> Json<OtpSendResponse> {
    Json(OtpSendResponse {
        state: started.state,
        expires_at: rfc3339(started.expires_at),
    })
}

/// Email a six-digit code.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/magic-otp/send", tag = "passwordless",
    params(ClientQuery), request_body = OtpSendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpSendRequest>,
) -> ApiResult<Json<OtpSendResponse>> {
    let started = state
        .auth
        .start_code(
            &client,
            Channel::Email,
            &body.email,
            &body.code_challenge,
            body.locale.as_deref(),
            &ip,
        )
        .await?;
    Ok(sent(started))
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
    Ok(sent(
        state
            .auth
            .resend(&client, &body.state, Channel::Email, false, &ip)
            .await?,
    ))
}

/// Check an emailed code; success returns a single-use authorization code (60 s) bound to the
/// PKCE challenge.
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
        .verify_code(&client, &body.state, Channel::Email, &body.otp, &ip)
        .await?;
    Ok(verified(code, body.state))
}

/// Text a six-digit code to an E.164 phone number.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/phone-otp/send", tag = "passwordless",
    params(ClientQuery), request_body = PhoneOtpSendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 429, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn phone_send(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PhoneOtpSendRequest>,
) -> ApiResult<Json<OtpSendResponse>> {
    let started = state
        .auth
        .start_code(
            &client,
            Channel::Sms,
            &body.phone,
            &body.code_challenge,
            body.locale.as_deref(),
            &ip,
        )
        .await?;
    Ok(sent(started))
}

/// Text a new code for the same request.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/phone-otp/resend", tag = "passwordless",
    params(ClientQuery), request_body = OtpResendRequest,
    responses((status = 200, body = OtpSendResponse), (status = 400, body = ErrorBody),
              (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn phone_resend(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpResendRequest>,
) -> ApiResult<Json<OtpSendResponse>> {
    Ok(sent(
        state
            .auth
            .resend(&client, &body.state, Channel::Sms, false, &ip)
            .await?,
    ))
}

/// Check a texted code.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/phone-otp/verify", tag = "passwordless",
    params(ClientQuery), request_body = OtpVerifyRequest,
    responses((status = 200, body = OtpVerifyResponse), (status = 400, body = ErrorBody),
              (status = 410, body = ErrorBody)))]
pub async fn phone_verify(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OtpVerifyRequest>,
) -> ApiResult<Json<OtpVerifyResponse>> {
    let code = state
        .auth
        .verify_code(&client, &body.state, Channel::Sms, &body.otp, &ip)
        .await?;
    Ok(verified(code, body.state))
}
