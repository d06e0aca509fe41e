//! Passkeys: registration and sign-in ceremonies, and the signed-in user's passkeys.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use protocol::{
    ClientQuery, ErrorBody, OtpVerifyResponse, PasskeyChallenge, PasskeyCredential,
    PasskeyCredentialList, PasskeyLoginQuery, PasskeyLoginRequest, PasskeyRegisterRequest,
    PasskeyRenameRequest, PasskeyStatusResponse,
};

use super::extract::{ApiJson, ApiQuery, Bearer, ClientIp, PublicClient};
use crate::AppState;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::passkeys::CeremonyStart;
use crate::store::{Client, PasskeyRow, UserRow};

fn challenge(start: CeremonyStart) -> Json<PasskeyChallenge> {
    Json(PasskeyChallenge {
        state: start.state,
        expires_at: rfc3339(start.expires_at),
        options: start.options,
    })
}

fn credential(row: PasskeyRow) -> PasskeyCredential {
    PasskeyCredential {
        id: row.id,
        name: row.name,
        created_at: rfc3339(row.created_at),
        last_used_at: row.last_used_at.map(rfc3339),
        backup_eligible: row.backup_eligible,
        backup_state: row.backup_state,
    }
}

/// The user behind the Bearer token, which must have been issued to `client`.
async fn signed_in(state: &AppState, token: &str, client: &Client) -> ApiResult<UserRow> {
    let (claims, user, _) = state.auth.status(token).await?;
    if claims.client_id != client.id {
        return Err(ApiError::invalid_token(
            "The token was issued to another client",
        ));
    }
    Ok(user)
}

/// Start registering a passkey for the signed-in user: WebAuthn creation options (resident
/// key required, user verification, no attestation) and a single-use `state` (5 minutes).
#[utoipa::path(get, path = "/api/v1/auth/passwordless/passkey/register", tag = "passkeys",
    params(ClientQuery),
    responses((status = 200, body = PasskeyChallenge), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register_start(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    Bearer(token): Bearer,
) -> ApiResult<Json<PasskeyChallenge>> {
    let user = signed_in(&state, &token, &client).await?;
    Ok(challenge(
        state
            .auth
            .start_passkey_registration(&client, &user, &ip)
            .await?,
    ))
}

/// Finish registering: the authenticator's answer to the start's options.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/passkey/register", tag = "passkeys",
    params(ClientQuery), request_body = PasskeyRegisterRequest,
    responses((status = 200, body = PasskeyCredential), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register_finish(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    Bearer(token): Bearer,
    ApiJson(body): ApiJson<PasskeyRegisterRequest>,
) -> ApiResult<Json<PasskeyCredential>> {
    let user = signed_in(&state, &token, &client).await?;
    let row = state
        .auth
        .finish_passkey_registration(
            &client,
            &user,
            &body.state,
            body.credential,
            body.name.as_deref(),
            &ip,
        )
        .await?;
    Ok(Json(credential(row)))
}

/// Start a passkey sign-in, with the typed email or without one (discoverable credentials,
/// for autofill). `code_challenge` binds the authorization code the finish returns.
#[utoipa::path(get, path = "/api/v1/auth/passwordless/passkey/login", tag = "passkeys",
    params(ClientQuery, PasskeyLoginQuery),
    responses((status = 200, body = PasskeyChallenge), (status = 400, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn login_start(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiQuery(query): ApiQuery<PasskeyLoginQuery>,
) -> ApiResult<Json<PasskeyChallenge>> {
    Ok(challenge(
        state
            .auth
            .start_passkey_login(&client, query.email.as_deref(), &query.code_challenge, &ip)
            .await?,
    ))
}

/// Finish a passkey sign-in: a single-use authorization code (60 s) bound to the start's PKCE
/// challenge, as every other method returns.
#[utoipa::path(post, path = "/api/v1/auth/passwordless/passkey/login", tag = "passkeys",
    params(ClientQuery), request_body = PasskeyLoginRequest,
    responses((status = 200, body = OtpVerifyResponse), (status = 400, body = ErrorBody)))]
pub async fn login_finish(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PasskeyLoginRequest>,
) -> ApiResult<Json<OtpVerifyResponse>> {
    let code = state
        .auth
        .finish_passkey_login(&client, &body.state, body.credential, &ip)
        .await?;
    Ok(Json(OtpVerifyResponse {
        authenticated: true,
        code,
        state: body.state,
    }))
}

/// Whether passkeys are offered here, and how many the signed-in user has.
#[utoipa::path(get, path = "/api/v1/auth/passwordless/passkey/status", tag = "passkeys",
    params(ClientQuery),
    responses((status = 200, body = PasskeyStatusResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn status(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    Bearer(token): Bearer,
) -> ApiResult<Json<PasskeyStatusResponse>> {
    let user = signed_in(&state, &token, &client).await?;
    let count = state.auth.list_passkeys(&user).await?.len();
    Ok(Json(PasskeyStatusResponse {
        enabled: state.auth.passkeys_enabled(&client),
        count: u32::try_from(count).unwrap_or(u32::MAX),
    }))
}

/// The signed-in user's passkeys.
#[utoipa::path(get, path = "/api/v1/auth/passwordless/passkey/credentials", tag = "passkeys",
    params(ClientQuery),
    responses((status = 200, body = PasskeyCredentialList), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    Bearer(token): Bearer,
) -> ApiResult<Json<PasskeyCredentialList>> {
    let user = signed_in(&state, &token, &client).await?;
    let rows = state.auth.list_passkeys(&user).await?;
    Ok(Json(PasskeyCredentialList {
        credentials: rows.into_iter().map(credential).collect(),
    }))
}

/// Rename one of the signed-in user's passkeys.
#[utoipa::path(patch, path = "/api/v1/auth/passwordless/passkey/credentials/{id}", tag = "passkeys",
    params(ClientQuery, ("id" = String, Path, description = "The passkey's id (`pk_…`)")),
    request_body = PasskeyRenameRequest,
    responses((status = 200, body = PasskeyCredential), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rename(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    Bearer(token): Bearer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasskeyRenameRequest>,
) -> ApiResult<Json<PasskeyCredential>> {
    let user = signed_in(&state, &token, &client).await?;
    let row = state.auth.rename_passkey(&user, &id, &body.name).await?;
    Ok(Json(credential(row)))
}

/// Delete one of the signed-in user's passkeys (not their last way to sign in).
#[utoipa::path(delete, path = "/api/v1/auth/passwordless/passkey/credentials/{id}", tag = "passkeys",
    params(ClientQuery, ("id" = String, Path, description = "The passkey's id (`pk_…`)")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
    ClientIp(ip): ClientIp,
    Bearer(token): Bearer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = signed_in(&state, &token, &client).await?;
    state.auth.delete_passkey(&client, &user, &id, &ip).await?;
    Ok(StatusCode::NO_CONTENT)
}
