//! The widget's configuration for a client.

use axum::Json;
use protocol::{ClientConfig, ClientQuery, ErrorBody, SignInMethod};

use super::extract::PublicClient;
use crate::AppState;
use axum::extract::State;

/// Branding and the enabled sign-in methods of a client.
#[utoipa::path(get, path = "/api/v1/config", tag = "widget", params(ClientQuery),
    responses((status = 200, body = ClientConfig), (status = 401, body = ErrorBody)))]
pub async fn client_config(
    State(state): State<AppState>,
    PublicClient(client): PublicClient,
) -> Json<ClientConfig> {
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
    Json(ClientConfig {
        client_id: client.id,
        name: client.name,
        methods,
    })
}
