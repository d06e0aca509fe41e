//! Code exchange, refresh and session status.

use axum::Json;
use axum::extract::State;
use protocol::{
    AccessTokenQuery, AuthStatusResponse, ErrorBody, RefreshRequest, Session, TokenResponse, User,
};

use super::extract::{ApiJson, ApiQuery, Bearer, TokenClient, query_client_id};
use crate::AppState;
use crate::auth::Issued;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};

fn token_response(issued: Issued) -> Json<TokenResponse> {
    Json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".to_owned(),
        expires_in: u64::try_from(issued.expires_in).unwrap_or(0),
        refresh_token: issued.refresh_token,
        id_token: None,
    })
}

/// Exchange an authorization code for tokens (PKCE verifier for public clients; client id and
/// secret headers for confidential ones).
#[utoipa::path(get, path = "/api/v1/sso/oauth/accesstoken", tag = "tokens", params(AccessTokenQuery),
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn access_token(
    State(state): State<AppState>,
    client: TokenClient,
    ApiQuery(query): ApiQuery<AccessTokenQuery>,
) -> ApiResult<Json<TokenResponse>> {
    let issued = state
        .auth
        .exchange_code(
            &client.client,
            client.confidential,
            &query.code,
            query.code_verifier.as_deref(),
        )
        .await?;
    Ok(token_response(issued))
}

/// Rotate a refresh token (single use; reuse revokes the whole family).
#[utoipa::path(post, path = "/api/v1/accesstoken/refresh", tag = "tokens", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody)))]
pub async fn refresh_post(
    State(state): State<AppState>,
    client: TokenClient,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(token_response(
        state
            .auth
            .refresh(&client.client, &body.refresh_token)
            .await?,
    ))
}

/// Rotate a refresh token given in the query string (SSOJet compatibility; prefer POST).
#[utoipa::path(get, path = "/api/v1/accesstoken/refresh", tag = "tokens", params(RefreshRequest),
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorBody)))]
pub async fn refresh_get(
    State(state): State<AppState>,
    client: TokenClient,
    ApiQuery(query): ApiQuery<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(token_response(
        state
            .auth
            .refresh(&client.client, &query.refresh_token)
            .await?,
    ))
}

/// The signed-in user and session of a Bearer access token.
#[utoipa::path(get, path = "/api/v1/auth/status", tag = "session",
    responses((status = 200, body = AuthStatusResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn status(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    Bearer(token): Bearer,
) -> ApiResult<Json<AuthStatusResponse>> {
    let (claims, user, session) = state.auth.status(&token).await?;
    if query_client_id(&uri).is_some_and(|id| id != claims.client_id) {
        return Err(ApiError::invalid_token(
            "The token was issued to another client",
        ));
    }
    Ok(Json(AuthStatusResponse {
        authenticated: true,
        user: User {
            id: user.id,
            email: user.email,
            email_verified: user.email_verified,
            created_at: rfc3339(user.created_at),
        },
        session: Session {
            id: session.id,
            expires_at: rfc3339(session.expires_at),
        },
    }))
}
