//! Keys and discovery.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;

/// The JSON Web Key Set of the signing keys.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys", responses((status = 200, description = "JWKS")))]
pub async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.auth.keys.jwks())
}

/// The JWKS again, under the API base (SSOJet path).
#[utoipa::path(get, path = "/api/v1/.well-known/jwks.json", tag = "keys", responses((status = 200, description = "JWKS")))]
pub async fn api_jwks(state: State<AppState>) -> Json<Value> {
    jwks(state).await
}

/// OpenID Connect discovery.
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "keys",
    responses((status = 200, description = "OpenID Provider Metadata")))]
pub async fn openid_configuration(State(state): State<AppState>) -> Json<Value> {
    let base = &state.auth.issuer;
    Json(json!({
        "issuer": base,
        "jwks_uri": format!("{base}{}", protocol::routes::JWKS),
        "token_endpoint": format!("{base}{}", protocol::routes::ACCESS_TOKEN),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "sid", "client_id", "amr", "email", "org_id", "roles", "permissions"],
    }))
}
