//! The widget's configuration for a client.

use axum::Json;
use protocol::{ClientConfig, ClientQuery, ErrorBody, ProviderInfo, ProviderKind, SignInMethod};

use super::extract::PublicClient;
use crate::AppState;
use crate::error::ApiResult;
use axum::extract::State;

/// Branding and the enabled sign-in methods of a client.
#[utoipa::path(get, path = "/api/v1/config", tag = "widget", params(ClientQuery),
    responses((status = 200, body = ClientConfig), (status = 401, body = ErrorBody)))]
pub async fn client_config(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
) -> ApiResult<Json<ClientConfig>> {
    let methods = client
        .methods
        .iter()
        .filter_map(|m| match m.as_str() {
            "email_code" => Some(SignInMethod::EmailCode),
            "magic_link" => Some(SignInMethod::MagicLink),
            "sms_code" => Some(SignInMethod::SmsCode),
            "passkey" if state.auth.passkeys_enabled(&client) => Some(SignInMethod::Passkey),
            _ => None,
        })
        .collect();
    let providers = state
        .auth
        .client_provider_list(&client)
        .await?
        .into_iter()
        .map(|p| ProviderInfo {
            id: p.slug,
            name: p.name,
            kind: match p.kind.as_str() {
                "google" => ProviderKind::Google,
                _ => ProviderKind::Oidc,
            },
        })
        .collect();
    let sso = state.auth.sso_available().await?;
    Ok(Json(ClientConfig {
        client_id: client.id,
        name: client.name,
        methods,
        providers,
        sso,
    }))
}
