//! The HTTP layer: routes, extractors, CORS. It only translates between HTTP and [`crate::auth`].

mod config;
mod cors;
mod dev;
mod extract;
mod magic_link;
mod oauth;
mod otp;
mod passkey;
mod token;
mod wellknown;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Router, middleware};
use protocol::{ErrorCode, routes};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::AuthError;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "SSOJet-compatible login API", description = "The auth API that the login widget drives."),
    components(schemas(protocol::ErrorBody, protocol::ErrorCode)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(otp::send))
        .routes(routes!(otp::resend))
        .routes(routes!(otp::verify))
        .routes(routes!(otp::phone_send))
        .routes(routes!(otp::phone_resend))
        .routes(routes!(otp::phone_verify))
        .routes(routes!(magic_link::send))
        .routes(routes!(magic_link::resend))
        .routes(routes!(magic_link::confirm_page, magic_link::confirm))
        .routes(routes!(magic_link::status))
        .routes(routes!(passkey::register_start, passkey::register_finish))
        .routes(routes!(passkey::login_start, passkey::login_finish))
        .routes(routes!(passkey::status))
        .routes(routes!(passkey::list))
        .routes(routes!(passkey::rename, passkey::delete))
        .routes(routes!(config::client_config))
        .routes(routes!(oauth::authorize))
        .routes(routes!(oauth::callback))
        .routes(routes!(oauth::sso_lookup))
        .routes(routes!(token::access_token))
        .routes(routes!(token::refresh_post, token::refresh_get))
        .routes(routes!(token::status))
        .routes(routes!(wellknown::jwks))
        .routes(routes!(wellknown::api_jwks))
        .routes(routes!(wellknown::openid_configuration))
        .split_for_parts();
    let openapi = Json(openapi);
    let mut app = api.route(
        routes::OPENAPI,
        get(move || std::future::ready(openapi.clone())),
    );

    if state.config.demo {
        app = app
            .route("/", get(dev::demo_page))
            .route("/demo.js", get(dev::demo_script))
            .route("/demo.css", get(dev::demo_style))
            .route(routes::DEV_MAILBOX, get(dev::mailbox_html))
            .route(routes::DEV_MAILBOX_JSON, get(dev::mailbox_json));
    }
    if let Some(dir) = &state.config.widget_dir {
        let widget = Router::new().fallback_service(ServeDir::new(dir)).layer(
            SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            ),
        );
        app = app.nest_service("/widget", widget);
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), cors::cors))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "No such route")
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "Method not allowed on this route",
    )
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use AuthError as E;
        match e {
            E::InvalidRequest(m) => ApiError::invalid_request(m),
            E::InvalidEmail => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidEmail,
                "That email address is not valid",
            ),
            E::InvalidPhone => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidPhone,
                "That phone number is not valid: use the international form, e.g. +14155550123",
            ),
            E::MethodUnavailable(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MethodNotEnabled, m)
            }
            E::SmsDelivery(e) => {
                tracing::error!(error = %e, "could not deliver a text message");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    ErrorCode::DeliveryFailed,
                    "We could not send the text message. Please try again.",
                )
            }
            E::Template(e) => ApiError::internal(&e),
            E::InvalidOtp { remaining } => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidOtp,
                match remaining {
                    0 => "That code is not right, and no tries are left. Request a new code."
                        .to_owned(),
                    1 => "That code is not right. 1 try left.".to_owned(),
                    n => format!("That code is not right. {n} tries left."),
                },
            ),
            E::OtpExpired => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::OtpExpired,
                "The code has expired. Request a new one.",
            ),
            E::TooManyAttempts => ApiError::new(
                StatusCode::GONE,
                ErrorCode::TooManyAttempts,
                "Too many wrong codes. Start again to get a new code.",
            ),
            E::RateLimited(wait) => {
                ApiError::rate_limited(wait, format!("Too many requests. Try again in {wait} s."))
            }
            E::InvalidClient(m) => ApiError::invalid_client(m),
            E::InvalidGrant(m) => ApiError::invalid_grant(m),
            E::RefreshTokenReused => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::RefreshTokenReused,
                "This refresh token was already used; the session has been revoked. Sign in again.",
            ),
            E::InvalidToken(m) => ApiError::invalid_token(m),
            E::Delivery(e) => {
                tracing::error!(error = %e, "could not deliver a message");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    ErrorCode::DeliveryFailed,
                    "We could not send the message. Please try again.",
                )
            }
            E::PasskeyFailed(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::PasskeyFailed, m)
            }
            E::CeremonyExpired(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::CeremonyExpired, m)
            }
            E::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, m),
            E::LastSignInMethod => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::LastSignInMethod,
                "This is the last way to sign in to this account. Add another passkey or verify an email first.",
            ),
            E::UnknownProvider => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownProvider,
                "No such sign-in provider for this client",
            ),
            E::InvalidRedirectUri => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRedirectUri,
                "redirect_uri must be one of the client's redirect URIs, exactly",
            ),
            E::InvalidState(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidState, m)
            }
            E::AccessDenied(m) => ApiError::new(StatusCode::FORBIDDEN, ErrorCode::AccessDenied, m),
            E::ProviderError(m) => {
                ApiError::new(StatusCode::BAD_GATEWAY, ErrorCode::ProviderError, m)
            }
            E::ProviderUnavailable(m) => {
                tracing::warn!(error = %m, "an OpenID provider could not be reached");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    ErrorCode::ProviderUnavailable,
                    "The sign-in provider could not be reached. Try again in a moment.",
                )
            }
            E::InvalidIdToken(m) => {
                ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidIdToken, m)
            }
            E::UnverifiedEmail(m) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::UnverifiedEmail, m)
            }
            E::EmailDomainMismatch => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::EmailDomainMismatch,
                "The email is not in the organization's domains",
            ),
            E::SsoRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::SsoRequired,
                crate::oidc::SSO_REQUIRED,
            ),
            E::Internal(e) => ApiError::internal(&e),
            E::Db(e) => ApiError::internal(&e),
            E::Crypto(e) => ApiError::internal(&e),
        }
    }
}
