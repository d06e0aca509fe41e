//! Paths of the API. Public calls carry `client_id` as a query parameter.

/// Base path of the API.
pub const API_BASE: &str = "/api/v1";
/// POST: email a six-digit code.
pub const EMAIL_OTP_SEND: &str = "/api/v1/auth/passwordless/magic-otp/send";
/// POST: email a new code for the same request.
pub const EMAIL_OTP_RESEND: &str = "/api/v1/auth/passwordless/email-otp/resend";
/// POST: check a code; returns an authorization code.
pub const EMAIL_OTP_VERIFY: &str = "/api/v1/auth/passwordless/email-otp/verify";
/// GET: exchange an authorization code for tokens.
pub const ACCESS_TOKEN: &str = "/api/v1/sso/oauth/accesstoken";
/// GET or POST: rotate a refresh token.
pub const REFRESH: &str = "/api/v1/accesstoken/refresh";
/// GET: the signed-in user and session (Bearer access token).
pub const AUTH_STATUS: &str = "/api/v1/auth/status";
/// GET: the signing keys.
pub const JWKS: &str = "/.well-known/jwks.json";
/// GET: the signing keys, under the API base.
pub const API_JWKS: &str = "/api/v1/.well-known/jwks.json";
/// GET: OpenID Connect discovery.
pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
/// GET: the OpenAPI document.
pub const OPENAPI: &str = "/api/v1/openapi.json";
/// GET: the dev mailbox (demo mode only), as HTML.
pub const DEV_MAILBOX: &str = "/dev/mailbox";
/// GET: the dev mailbox (demo mode only), as JSON, newest first.
pub const DEV_MAILBOX_JSON: &str = "/dev/mailbox.json";
/// POST: email a magic link.
pub const MAGIC_LINK_SEND: &str = "/api/v1/auth/passwordless/magic-link/send";
/// POST: email a new magic link for the same request.
pub const MAGIC_LINK_RESEND: &str = "/api/v1/auth/passwordless/magic-link/resend";
/// GET: the emailed URL (a confirm page); POST: confirm.
pub const MAGIC_LINK_VERIFY: &str = "/api/v1/auth/passwordless/magic-link/verify";
/// GET: the starting browser polls here with its PKCE verifier.
pub const MAGIC_LINK_STATUS: &str = "/api/v1/auth/passwordless/magic-link/status";
/// POST: text a six-digit code.
pub const PHONE_OTP_SEND: &str = "/api/v1/auth/passwordless/phone-otp/send";
/// POST: text a new code for the same request.
pub const PHONE_OTP_RESEND: &str = "/api/v1/auth/passwordless/phone-otp/resend";
/// POST: check a texted code.
pub const PHONE_OTP_VERIFY: &str = "/api/v1/auth/passwordless/phone-otp/verify";
/// GET: the widget's configuration for a client.
pub const CLIENT_CONFIG: &str = "/api/v1/config";
/// GET: start registering a passkey (Bearer); POST: finish.
pub const PASSKEY_REGISTER: &str = "/api/v1/auth/passwordless/passkey/register";
/// GET: start a passkey sign-in (optional `email`); POST: finish, returns an authorization code.
pub const PASSKEY_LOGIN: &str = "/api/v1/auth/passwordless/passkey/login";
/// GET: whether passkeys are available and how many the signed-in user has (Bearer).
pub const PASSKEY_STATUS: &str = "/api/v1/auth/passwordless/passkey/status";
/// GET: the signed-in user's passkeys (Bearer); `/{id}`: PATCH renames, DELETE removes.
pub const PASSKEY_CREDENTIALS: &str = "/api/v1/auth/passwordless/passkey/credentials";
/// GET: start a sign-in at a social provider or SSO connection (`{provider}`: a slug from
/// `config`'s `providers`, or an organization id from `auth/sso/lookup`). A browser navigation.
pub const OAUTH_AUTHORIZE: &str = "/api/v1/auth/oauth/{provider}/authorize";
/// GET: where the provider sends the browser back (register this at the provider).
pub const OAUTH_CALLBACK: &str = "/api/v1/auth/oauth/{provider}/callback";
/// GET: the SSO connection for an email's domain, if any.
pub const SSO_LOOKUP: &str = "/api/v1/auth/sso/lookup";

/// The authorize path of a provider (its id is a slug or `org_…`, both URL-safe).
pub fn oauth_authorize(provider: &str) -> String {
    OAUTH_AUTHORIZE.replace("{provider}", provider)
}

/// The callback path of a provider.
pub fn oauth_callback(provider: &str) -> String {
    OAUTH_CALLBACK.replace("{provider}", provider)
}
