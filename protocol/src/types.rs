use serde::{Deserialize, Serialize};

/// `client_id` query parameter of public (browser) calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ClientQuery {
    /// The client (application) id.
    pub client_id: String,
}

/// The PKCE method. Only `S256` is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CodeChallengeMethod {
    /// `BASE64URL(SHA-256(code_verifier))`.
    S256,
}

/// POST `magic-otp/send`: email a six-digit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpSendRequest {
    /// Where to send the code.
    pub email: String,
    /// `BASE64URL(SHA-256(code_verifier))`, made by the browser that signs in.
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: CodeChallengeMethod,
    /// Language of the email (BCP 47, e.g. `de`); English by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Answer to a send or resend: the opaque handle of the sign-in request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpSendResponse {
    /// Opaque handle of this sign-in request.
    pub state: String,
    /// When the code expires (RFC 3339).
    pub expires_at: String,
}

/// POST `email-otp/resend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpResendRequest {
    /// The handle from the send.
    pub state: String,
}

/// POST `email-otp/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpVerifyRequest {
    /// The handle from the send.
    pub state: String,
    /// The six digits the person typed.
    pub otp: String,
}

/// Answer to a successful verify: a single-use authorization code (60 s), bound to the
/// PKCE challenge of the send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpVerifyResponse {
    /// Always `true` on success.
    pub authenticated: bool,
    /// Authorization code for `sso/oauth/accesstoken`.
    pub code: String,
    /// The handle of the sign-in request.
    pub state: String,
}

/// GET `sso/oauth/accesstoken` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct AccessTokenQuery {
    /// Public clients name themselves here; confidential ones use `x-client-id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The authorization code.
    pub code: String,
    /// The PKCE verifier (required for public clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    /// Echoed by SSOJet clients; ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// Tokens, from the code exchange and from refresh.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// RS256 JWT (`typ: at+jwt`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// Opaque, single use, rotating.
    pub refresh_token: String,
    /// OpenID Connect ID token, when the client asked for `openid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl core::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"[redacted]")
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// POST `accesstoken/refresh` body (GET takes the same fields as a query).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct RefreshRequest {
    /// The current refresh token.
    pub refresh_token: String,
}

impl core::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"[redacted]")
            .finish()
    }
}

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Stable id (`usr_…`).
    pub id: String,
    /// Primary email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email was proven by a code or link.
    pub email_verified: bool,
    /// When the user was created (RFC 3339).
    pub created_at: String,
}

/// The session behind an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Session id (the token's `sid`).
    pub id: String,
    /// When the session ends unless refreshed (RFC 3339).
    pub expires_at: String,
}

/// GET `auth/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthStatusResponse {
    /// Always `true` with a valid token.
    pub authenticated: bool,
    /// The signed-in user.
    pub user: User,
    /// The current session.
    pub session: Session,
}

/// One message in the dev mailbox (demo mode only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevMessage {
    /// Recipient (email address or phone number).
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// When it was sent (RFC 3339).
    pub sent_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_request_matches_contract() {
        let req: OtpSendRequest = serde_json::from_str(
            r#"{"email":"a@example.com","code_challenge":"abc","code_challenge_method":"S256"}"#,
        )
        .unwrap();
        assert_eq!(req.code_challenge_method, CodeChallengeMethod::S256);
        assert!(
            serde_json::from_str::<OtpSendRequest>(
                r#"{"email":"a@example.com","code_challenge":"abc","code_challenge_method":"plain"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn token_debug_redacts_secrets() {
        let t = TokenResponse {
            access_token: "secret-at".into(),
            token_type: "Bearer".into(),
            expires_in: 3600,
            refresh_token: "secret-rt".into(),
            id_token: None,
        };
        let s = format!("{t:?}");
        assert!(!s.contains("secret"), "{s}");
    }
}

/// A sign-in method a client can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignInMethod {
    /// A six-digit code by email.
    EmailCode,
    /// A magic link by email.
    MagicLink,
    /// A six-digit code by SMS.
    SmsCode,
    /// A passkey (WebAuthn).
    Passkey,
    /// A method this client version does not know.
    #[serde(other)]
    Unknown,
}

/// GET `config?client_id=`: what the widget shows for this client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientConfig {
    /// The client id.
    pub client_id: String,
    /// The application's name, shown in the widget and in messages.
    pub name: String,
    /// Enabled sign-in methods, in the order to show them.
    pub methods: Vec<SignInMethod>,
    /// Social providers to show as buttons, in order. Sign in with one by sending the browser
    /// to `GET /api/v1/auth/oauth/{id}/authorize` (see [`crate::routes::oauth_authorize`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderInfo>,
    /// Whether organizations have SSO connections on this server: the widget then asks
    /// `GET /api/v1/auth/sso/lookup` for the email typed before sending a code.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub sso: bool,
}

/// A social provider button in [`ClientConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderInfo {
    /// The `{provider}` of the authorize path, e.g. `google`.
    pub id: String,
    /// Display name, e.g. `Google`.
    pub name: String,
    /// What kind of provider (Google gets its branded button).
    pub kind: ProviderKind,
}

/// Kinds of social provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProviderKind {
    /// Google (issuer `https://accounts.google.com`, or a stand-in for tests).
    Google,
    /// Any other OpenID Connect provider.
    Oidc,
    /// A kind this client version does not know.
    #[serde(other)]
    Unknown,
}

/// GET `auth/oauth/{provider}/authorize` query: starts a sign-in at a provider. A top-level
/// browser navigation; the browser comes back to `redirect_uri` with `?code=&state=` (the
/// PKCE-bound authorization code) or `?error=&error_description=&state=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct OAuthAuthorizeQuery {
    /// The client (application) id.
    pub client_id: String,
    /// `BASE64URL(SHA-256(code_verifier))`, made by the browser that signs in.
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: CodeChallengeMethod,
    /// Where the browser lands afterwards; one of the client's redirect URIs, exactly.
    pub redirect_uri: String,
    /// The widget's own value, given back unchanged on the redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// An email to prefill at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
}

/// GET `auth/oauth/{provider}/callback` query (the provider's redirect back).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct OAuthCallbackQuery {
    /// Our `state` from the authorize redirect.
    #[serde(default)]
    pub state: Option<String>,
    /// The provider's authorization code.
    #[serde(default)]
    pub code: Option<String>,
    /// The provider's error (`access_denied`, ...).
    #[serde(default)]
    pub error: Option<String>,
    /// The provider's explanation of `error`.
    #[serde(default)]
    pub error_description: Option<String>,
    /// The provider's issuer (RFC 9207), checked when present.
    #[serde(default)]
    pub iss: Option<String>,
}

impl core::fmt::Debug for OAuthCallbackQuery {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OAuthCallbackQuery")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("iss", &self.iss)
            .finish_non_exhaustive()
    }
}

/// GET `auth/sso/lookup` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct SsoLookupQuery {
    /// The client (application) id.
    pub client_id: String,
    /// The email the person typed.
    pub email: String,
}

/// Answer of `auth/sso/lookup`: the organization connection for the email's domain, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoLookupResponse {
    /// `null` when the domain has no SSO connection: use the other methods.
    pub connection: Option<SsoConnection>,
}

/// An organization's SSO connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoConnection {
    /// The `{provider}` of the authorize path (the organization id, `org_…`).
    pub provider: String,
    /// The organization's name, e.g. `Acme`.
    pub organization: String,
}

/// POST `magic-link/send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MagicLinkSendRequest {
    /// Where to send the link.
    pub email: String,
    /// `BASE64URL(SHA-256(code_verifier))`.
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: CodeChallengeMethod,
    /// Where the starting browser lands after confirming; must be one of the client's
    /// redirect URIs exactly. Defaults to the first one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Language of the email (BCP 47, e.g. `de`); English by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// GET `magic-link/status` query.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct MagicLinkStatusQuery {
    /// The handle from the send.
    pub state: String,
    /// The PKCE verifier of the starting browser.
    pub code_verifier: String,
}

impl core::fmt::Debug for MagicLinkStatusQuery {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MagicLinkStatusQuery")
            .field("state", &self.state)
            .field("code_verifier", &"[redacted]")
            .finish()
    }
}

/// Where a magic-link sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MagicLinkStatus {
    /// The link has not been confirmed yet: poll again.
    Pending,
    /// Confirmed: `code` holds the authorization code (given out once).
    Verified,
    /// The link expired (or was used up by wrong tries): start again.
    Expired,
}

/// GET `magic-link/status` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MagicLinkStatusResponse {
    /// The state of the request.
    pub status: MagicLinkStatus,
    /// The handle.
    pub state: String,
    /// The single-use authorization code, with `verified`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// POST `phone-otp/send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneOtpSendRequest {
    /// The phone number in E.164 form, e.g. `+14155550123`.
    pub phone: String,
    /// `BASE64URL(SHA-256(code_verifier))`.
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: CodeChallengeMethod,
    /// Language of the message (BCP 47); English by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// GET `passkey/login` query (besides `client_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PasskeyLoginQuery {
    /// The email the person typed, if any. Without it (or when that account has no passkey)
    /// the sign-in is discoverable: the authenticator offers its passkeys (autofill).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `BASE64URL(SHA-256(code_verifier))`: the finish returns an authorization code bound
    /// to it.
    pub code_challenge: String,
    /// Always `S256` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<CodeChallengeMethod>,
}

/// Answer to a passkey ceremony start (`GET passkey/register`, `GET passkey/login`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyChallenge {
    /// Opaque handle of this ceremony (single use, 5 minutes); the challenge state stays on
    /// the server.
    pub state: String,
    /// When the ceremony expires (RFC 3339).
    pub expires_at: String,
    /// WebAuthn options in their JSON form, `{"publicKey": {...}}` (binary fields base64url),
    /// for `navigator.credentials.create` / `.get`. Sign-ins without an email also carry
    /// `"mediation": "conditional"` for autofill; a page that starts one from a button may
    /// drop it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Value,
}

/// POST `passkey/register`: the authenticator's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyRegisterRequest {
    /// The handle from the start.
    pub state: String,
    /// The `PublicKeyCredential` from `navigator.credentials.create`, in JSON form
    /// (`PublicKeyCredential.toJSON()`; binary fields base64url).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
    /// A name for the passkey, shown in the list (e.g. "MacBook"); a default otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// POST `passkey/login`: the authenticator's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyLoginRequest {
    /// The handle from the start.
    pub state: String,
    /// The `PublicKeyCredential` from `navigator.credentials.get`, in JSON form.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: serde_json::Value,
}

/// A registered passkey, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyCredential {
    /// Stable id (`pk_…`), for rename and delete.
    pub id: String,
    /// The name the user gave it.
    pub name: String,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// When it last signed in (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    /// Whether the passkey may be synced to other devices (WebAuthn backup eligibility).
    pub backup_eligible: bool,
    /// Whether it is synced (backed up) now.
    pub backup_state: bool,
}

/// GET `passkey/credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyCredentialList {
    /// The user's passkeys, oldest first.
    pub credentials: Vec<PasskeyCredential>,
}

/// PATCH `passkey/credentials/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyRenameRequest {
    /// The new name (1 to 64 characters).
    pub name: String,
}

/// GET `passkey/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyStatusResponse {
    /// Whether this server and client offer passkeys.
    pub enabled: bool,
    /// How many passkeys the signed-in user has.
    pub count: u32,
}
