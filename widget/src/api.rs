//! Calls to the auth API through the browser's `fetch`, and decoding of its error bodies.
//!
//! The widget is a public client: every call carries `client_id` as a query parameter and
//! no cookies are needed. Tokens returned here are handed to the caller and never stored.

use protocol::{
    AuthStatusResponse, ClientConfig, CodeChallengeMethod, ErrorBody, ErrorCode,
    MagicLinkSendRequest, MagicLinkStatusResponse, OtpResendRequest, OtpSendRequest,
    OtpSendResponse, OtpVerifyRequest, OtpVerifyResponse, PasskeyCredential, PasskeyCredentialList,
    PasskeyRenameRequest, PasskeyStatusResponse, PhoneOtpSendRequest, SsoLookupResponse,
    TokenResponse, routes,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::value::RawValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, RequestMode, Response};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// The server could not be reached (offline, DNS, CORS refused, ...).
    Network,
    /// The browser lacks something the sign-in needs (WebCrypto outside a secure context).
    Browser,
    /// The server answered 2xx with a body that is not the expected JSON.
    Malformed,
    /// The server answered with an error body (or a non-2xx status without one, mapped to
    /// the closest code).
    Api(ErrorBody),
    /// The browser's passkey call failed.
    Passkey(crate::webauthn::PasskeyError),
}

impl ApiError {
    /// The stable error code, as sent in `ssojet:error` events (`network_error` and
    /// `invalid_response` for failures that have no server code).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Network => "network_error",
            Self::Malformed => "invalid_response",
            Self::Browser => "unsupported_browser",
            Self::Api(body) => body.error.as_str(),
            Self::Passkey(e) => e.code(),
        }
    }

    /// Seconds to wait, on `rate_limited`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Api(body) => body.retry_after,
            _ => None,
        }
    }

    /// Whether the sign-in request is dead and the person must ask for a new code.
    pub fn restarts_flow(&self) -> bool {
        matches!(
            self,
            Self::Api(ErrorBody {
                error: ErrorCode::OtpExpired | ErrorCode::TooManyAttempts | ErrorCode::InvalidGrant,
                ..
            })
        )
    }

    /// Builds the error of a non-2xx answer from its status, body and `Retry-After` header.
    pub fn from_response(status: u16, body: &str, retry_after_header: Option<&str>) -> Self {
        let mut body = serde_json::from_str::<ErrorBody>(body).unwrap_or_else(|_| ErrorBody {
            error: match status {
                400 => ErrorCode::InvalidRequest,
                401 => ErrorCode::InvalidToken,
                404 => ErrorCode::NotFound,
                410 => ErrorCode::TooManyAttempts,
                429 => ErrorCode::RateLimited,
                _ => ErrorCode::ServerError,
            },
            message: String::new(),
            retry_after: None,
        });
        if body.retry_after.is_none() {
            body.retry_after = retry_after_header.and_then(|v| v.trim().parse().ok());
        }
        Self::Api(body)
    }
}

/// A passkey ceremony start (`protocol::PasskeyChallenge`), its WebAuthn options kept as
/// JSON text for the browser (parsing them into a `serde_json::Value` would cost the
/// widget tens of KB).
#[derive(Debug, Deserialize)]
pub struct PasskeyChallenge {
    /// The ceremony's handle.
    pub state: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// `{"publicKey": {...}}`.
    pub options: Box<RawValue>,
}

/// A passkey ceremony finish (`protocol::PasskeyLoginRequest` and
/// `PasskeyRegisterRequest`), the authenticator's answer passed through as JSON text.
#[derive(Serialize)]
struct PasskeyAnswer<'a> {
    state: &'a str,
    credential: &'a RawValue,
}

impl<'a> PasskeyAnswer<'a> {
    fn new(state: &'a str, credential: &'a str) -> Result<Self, ApiError> {
        let credential: &RawValue =
            serde_json::from_str(credential).map_err(|_| ApiError::Malformed)?;
        Ok(Self { state, credential })
    }
}

/// Where a six-digit code is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Channel {
    /// By email (`magic-otp/send`, `email-otp/*`).
    #[default]
    Email,
    /// By text message (`phone-otp/*`).
    Sms,
}

impl Channel {
    fn resend_route(self) -> &'static str {
        match self {
            Self::Email => routes::EMAIL_OTP_RESEND,
            Self::Sms => routes::PHONE_OTP_RESEND,
        }
    }

    fn verify_route(self) -> &'static str {
        match self {
            Self::Email => routes::EMAIL_OTP_VERIFY,
            Self::Sms => routes::PHONE_OTP_VERIFY,
        }
    }
}

/// The auth API of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
    client_id: String,
    locale: Option<String>,
}

impl Api {
    /// An API at `base` (an origin such as `https://auth.example.com`, no trailing path) for
    /// the public client `client_id`.
    pub fn new(base: &str, client_id: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').into(),
            client_id: client_id.into(),
            locale: None,
        }
    }

    /// Asks the server to write its emails in `locale` (a BCP 47 tag such as `de`).
    #[must_use]
    pub fn with_locale(mut self, locale: &str) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `base + path + ?client_id=...`.
    fn url(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.base.len() + path.len() + 64);
        url.push_str(&self.base);
        url.push_str(path);
        url.push_str("?client_id=");
        url.push_str(&encode(&self.client_id));
        url
    }

    /// GET `config`: the client's name and enabled sign-in methods.
    pub async fn config(&self) -> Result<ClientConfig, ApiError> {
        fetch_json("GET", &self.url(routes::CLIENT_CONFIG), None, None).await
    }

    /// POST `magic-otp/send`: emails a code; returns the request's `state`.
    pub async fn send_code(
        &self,
        email: &str,
        challenge: &str,
    ) -> Result<OtpSendResponse, ApiError> {
        let body = OtpSendRequest {
            email: email.into(),
            code_challenge: challenge.into(),
            code_challenge_method: CodeChallengeMethod::S256,
            locale: self.locale.clone(),
        };
        post(&self.url(routes::EMAIL_OTP_SEND), &body, None).await
    }

    /// POST `phone-otp/send`: texts a code to `phone` (E.164).
    pub async fn send_phone_code(
        &self,
        phone: &str,
        challenge: &str,
    ) -> Result<OtpSendResponse, ApiError> {
        let body = PhoneOtpSendRequest {
            phone: phone.into(),
            code_challenge: challenge.into(),
            code_challenge_method: CodeChallengeMethod::S256,
            locale: self.locale.clone(),
        };
        post(&self.url(routes::PHONE_OTP_SEND), &body, None).await
    }

    /// POST `email-otp/resend` or `phone-otp/resend`.
    pub async fn resend_code(
        &self,
        channel: Channel,
        state: &str,
    ) -> Result<OtpSendResponse, ApiError> {
        let body = OtpResendRequest {
            state: state.into(),
        };
        post(&self.url(channel.resend_route()), &body, None).await
    }

    /// POST `email-otp/verify` or `phone-otp/verify`: returns the authorization code.
    pub async fn verify_code(
        &self,
        channel: Channel,
        state: &str,
        otp: &str,
    ) -> Result<OtpVerifyResponse, ApiError> {
        let body = OtpVerifyRequest {
            state: state.into(),
            otp: otp.into(),
        };
        post(&self.url(channel.verify_route()), &body, None).await
    }

    /// POST `magic-link/send`: emails a sign-in link bound to `challenge`.
    pub async fn send_magic_link(
        &self,
        email: &str,
        challenge: &str,
    ) -> Result<OtpSendResponse, ApiError> {
        let body = MagicLinkSendRequest {
            email: email.into(),
            code_challenge: challenge.into(),
            code_challenge_method: CodeChallengeMethod::S256,
            redirect_uri: None,
            locale: self.locale.clone(),
        };
        post(&self.url(routes::MAGIC_LINK_SEND), &body, None).await
    }

    /// POST `magic-link/resend`.
    pub async fn resend_magic_link(&self, state: &str) -> Result<OtpSendResponse, ApiError> {
        let body = OtpResendRequest {
            state: state.into(),
        };
        post(&self.url(routes::MAGIC_LINK_RESEND), &body, None).await
    }

    /// GET `magic-link/status`: whether the link was opened; the authorization code once
    /// it was (only this browser's verifier gets it).
    pub async fn magic_link_status(
        &self,
        state: &str,
        verifier: &str,
    ) -> Result<MagicLinkStatusResponse, ApiError> {
        let url = Self::with_param(self.url(routes::MAGIC_LINK_STATUS), "state", state);
        let url = Self::with_param(url, "code_verifier", verifier);
        fetch_json("GET", &url, None, None).await
    }

    /// GET `sso/oauth/accesstoken`: exchanges the authorization code (with the PKCE
    /// verifier) for tokens.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<TokenResponse, ApiError> {
        let url = Self::with_param(self.url(routes::ACCESS_TOKEN), "code", code);
        let url = Self::with_param(url, "code_verifier", verifier);
        fetch_json("GET", &url, None, None).await
    }

    /// GET `auth/status` with the access token (`client_id` too, so the server's CORS check
    /// knows which origins to allow).
    pub async fn status(&self, access_token: &str) -> Result<AuthStatusResponse, ApiError> {
        fetch_json(
            "GET",
            &self.url(routes::AUTH_STATUS),
            None,
            Some(access_token),
        )
        .await
    }

    /// `url` plus `&name=value` (value encoded).
    fn with_param(mut url: String, name: &str, value: &str) -> String {
        url.push('&');
        url.push_str(name);
        url.push('=');
        url.push_str(&encode(value));
        url
    }

    /// The address of `auth/oauth/{provider}/authorize` that starts a sign-in at a social
    /// provider or SSO connection: the browser goes there (a navigation, not a fetch) and
    /// comes back to `redirect_uri` with `?code=&state=` or `?error=&state=`.
    pub fn authorize_url(
        &self,
        provider: &str,
        challenge: &str,
        redirect_uri: &str,
        state: &str,
        login_hint: Option<&str>,
    ) -> String {
        let mut url = self.url(&routes::oauth_authorize(&encode(provider)));
        for (name, value) in [
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ] {
            url = Self::with_param(url, name, value);
        }
        match login_hint {
            Some(hint) => Self::with_param(url, "login_hint", hint),
            None => url,
        }
    }

    /// GET `auth/sso/lookup`: the organization SSO connection of `email`'s domain, if any.
    pub async fn sso_lookup(&self, email: &str) -> Result<SsoLookupResponse, ApiError> {
        let url = Self::with_param(self.url(routes::SSO_LOOKUP), "email", email);
        fetch_json("GET", &url, None, None).await
    }

    /// GET `passkey/login`: a discoverable passkey sign-in (no email, so autofill can use
    /// it too) whose authorization code will be bound to `challenge`.
    pub async fn passkey_login_start(&self, challenge: &str) -> Result<PasskeyChallenge, ApiError> {
        let url = Self::with_param(self.url(routes::PASSKEY_LOGIN), "code_challenge", challenge);
        fetch_json("GET", &url, None, None).await
    }

    /// POST `passkey/login`: the authenticator's answer (JSON text); returns the
    /// authorization code.
    pub async fn passkey_login_finish(
        &self,
        state: &str,
        credential: &str,
    ) -> Result<OtpVerifyResponse, ApiError> {
        let body = PasskeyAnswer::new(state, credential)?;
        post(&self.url(routes::PASSKEY_LOGIN), &body, None).await
    }

    /// GET `passkey/register` for the signed-in user.
    pub async fn passkey_register_start(
        &self,
        access_token: &str,
    ) -> Result<PasskeyChallenge, ApiError> {
        fetch_json(
            "GET",
            &self.url(routes::PASSKEY_REGISTER),
            None,
            Some(access_token),
        )
        .await
    }

    /// POST `passkey/register`: the authenticator's answer (JSON text).
    pub async fn passkey_register_finish(
        &self,
        access_token: &str,
        state: &str,
        credential: &str,
    ) -> Result<PasskeyCredential, ApiError> {
        let body = PasskeyAnswer::new(state, credential)?;
        post(
            &self.url(routes::PASSKEY_REGISTER),
            &body,
            Some(access_token),
        )
        .await
    }

    /// GET `passkey/status`: whether passkeys are offered and how many the user has.
    pub async fn passkey_status(
        &self,
        access_token: &str,
    ) -> Result<PasskeyStatusResponse, ApiError> {
        let url = self.url(routes::PASSKEY_STATUS);
        fetch_json("GET", &url, None, Some(access_token)).await
    }

    /// GET `passkey/credentials`: the signed-in user's passkeys.
    pub async fn passkeys(&self, access_token: &str) -> Result<PasskeyCredentialList, ApiError> {
        let url = self.url(routes::PASSKEY_CREDENTIALS);
        fetch_json("GET", &url, None, Some(access_token)).await
    }

    /// `passkey/credentials/{id}` (`client_id` after it).
    fn passkey_url(&self, id: &str) -> String {
        let mut path = String::from(routes::PASSKEY_CREDENTIALS);
        path.push('/');
        path.push_str(&encode(id));
        self.url(&path)
    }

    /// PATCH `passkey/credentials/{id}`: renames a passkey.
    pub async fn rename_passkey(
        &self,
        access_token: &str,
        id: &str,
        name: &str,
    ) -> Result<PasskeyCredential, ApiError> {
        let body = serde_json::to_string(&PasskeyRenameRequest { name: name.into() })
            .map_err(|_| ApiError::Malformed)?;
        let text = call(
            "PATCH",
            &self.passkey_url(id),
            Some(&body),
            Some(access_token),
        )
        .await?;
        serde_json::from_str(&text).map_err(|_| ApiError::Malformed)
    }

    /// DELETE `passkey/credentials/{id}`.
    pub async fn delete_passkey(&self, access_token: &str, id: &str) -> Result<(), ApiError> {
        call("DELETE", &self.passkey_url(id), None, Some(access_token))
            .await
            .map(drop)
    }
}

fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}

async fn post<B: Serialize, T: DeserializeOwned>(
    url: &str,
    body: &B,
    bearer: Option<&str>,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Malformed)?;
    fetch_json("POST", url, Some(&body), bearer).await
}

async fn fetch_json<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<T, ApiError> {
    let text = call(method, url, body, bearer).await?;
    serde_json::from_str(&text).map_err(|_| ApiError::Malformed)
}

/// One call: the body text of a 2xx answer, or the error it carries.
async fn call(
    method: &str,
    url: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<String, ApiError> {
    let response = send(method, url, body, bearer)
        .await
        .map_err(|_| ApiError::Network)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    };
    let Some(text) = text else {
        return Err(ApiError::Network);
    };
    if response.ok() {
        Ok(text)
    } else {
        let retry_after = response.headers().get("retry-after").ok().flatten();
        Err(ApiError::from_response(
            response.status(),
            &text,
            retry_after.as_deref(),
        ))
    }
}

async fn send(
    method: &str,
    url: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<Response, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let headers = Headers::new()?;
    headers.set("accept", "application/json")?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    if let Some(body) = body {
        headers.set("content-type", "application/json")?;
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(token) = bearer {
        let mut value = String::with_capacity(token.len() + 7);
        value.push_str("Bearer ");
        value.push_str(token);
        headers.set("authorization", &value)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init)?;
    let response = JsFuture::from(window.fetch_with_request(&request)).await?;
    response.dyn_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_decode_with_their_code() {
        let err = ApiError::from_response(
            429,
            r#"{"error":"rate_limited","message":"slow down","retry_after":7}"#,
            None,
        );
        assert_eq!(err.code(), "rate_limited");
        let ApiError::Api(body) = err else {
            panic!("not an API error")
        };
        assert_eq!(body.retry_after, Some(7));
    }

    #[test]
    fn bodies_without_json_map_from_the_status() {
        let err = ApiError::from_response(429, "<html>busy</html>", Some("12"));
        let ApiError::Api(body) = err else {
            panic!("not an API error")
        };
        assert_eq!(body.error, ErrorCode::RateLimited);
        assert_eq!(body.retry_after, Some(12));
        assert_eq!(
            ApiError::from_response(502, "", None).code(),
            "server_error"
        );
    }

    #[test]
    fn dead_requests_restart_the_flow() {
        let dead =
            ApiError::from_response(410, r#"{"error":"too_many_attempts","message":""}"#, None);
        assert!(dead.restarts_flow());
        let wrong = ApiError::from_response(400, r#"{"error":"invalid_otp","message":""}"#, None);
        assert!(!wrong.restarts_flow());
        assert!(!ApiError::Network.restarts_flow());
    }
}
