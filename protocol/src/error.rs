use serde::{Deserialize, Serialize};

/// Stable machine-readable error codes. Clients match on these, never on messages.
///
/// Unknown codes from a newer server deserialize as [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is malformed: bad JSON, a missing or invalid field.
    InvalidRequest,
    /// The email address is not valid.
    InvalidEmail,
    /// The phone number is not valid E.164 (`+` and 8 to 15 digits).
    InvalidPhone,
    /// The sign-in method is not enabled for this client (or not configured on the server).
    MethodNotEnabled,
    /// Unknown client, or wrong client credentials.
    InvalidClient,
    /// The request's `Origin` is not one of the client's allowed origins.
    InvalidOrigin,
    /// The one-time code is wrong.
    InvalidOtp,
    /// The one-time code (or the sign-in request) has expired; start again.
    OtpExpired,
    /// Too many wrong codes: this sign-in request is dead; start again.
    TooManyAttempts,
    /// Too many requests; retry after `retry_after` seconds.
    RateLimited,
    /// The authorization code or refresh token is invalid, expired, used, or the PKCE
    /// verifier does not match.
    InvalidGrant,
    /// A refresh token was used twice; the whole token family has been revoked.
    RefreshTokenReused,
    /// The bearer token is missing, malformed, expired or revoked.
    InvalidToken,
    /// The resource does not exist.
    NotFound,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// The email or text message could not be sent; try again.
    DeliveryFailed,
    /// Something failed on the server; details are in its logs.
    ServerError,
    /// The passkey's answer did not verify (wrong origin, bad signature, replayed or cloned
    /// authenticator, unknown passkey); start the ceremony again.
    PasskeyFailed,
    /// The passkey ceremony has expired or was already used; start again.
    CeremonyExpired,
    /// The change would leave the user without any way to sign in.
    LastSignInMethod,
    /// No such social provider or SSO connection for this client.
    UnknownProvider,
    /// The `redirect_uri` is not one of the client's redirect URIs (exact match).
    InvalidRedirectUri,
    /// The provider's answer does not belong to a live sign-in here: unknown, used or expired
    /// `state`. Start again.
    InvalidState,
    /// The person declined at the provider (RFC 6749 `access_denied`).
    AccessDenied,
    /// The provider answered with an error, or refused to exchange its code.
    ProviderError,
    /// The provider could not be reached (discovery, keys or token endpoint).
    ProviderUnavailable,
    /// The provider's ID token failed a check: signature, `iss`, `aud`, `nonce` or expiry.
    InvalidIdToken,
    /// An account with this email exists, but the provider (or this account) has not verified
    /// the address, so the two are not linked. Sign in with an email code first.
    UnverifiedEmail,
    /// An organization's SSO connection vouched for an email outside the organization's domains.
    EmailDomainMismatch,
    /// The email's domain belongs to an organization that signs in with its own SSO
    /// connection; another provider (e.g. Google) may not sign in or link that address.
    SsoRequired,
    /// A code this client version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidPhone => "invalid_phone",
            Self::MethodNotEnabled => "method_not_enabled",
            Self::InvalidClient => "invalid_client",
            Self::InvalidOrigin => "invalid_origin",
            Self::InvalidOtp => "invalid_otp",
            Self::OtpExpired => "otp_expired",
            Self::TooManyAttempts => "too_many_attempts",
            Self::RateLimited => "rate_limited",
            Self::InvalidGrant => "invalid_grant",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::InvalidToken => "invalid_token",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::DeliveryFailed => "delivery_failed",
            Self::ServerError => "server_error",
            Self::PasskeyFailed => "passkey_failed",
            Self::CeremonyExpired => "ceremony_expired",
            Self::LastSignInMethod => "last_sign_in_method",
            Self::UnknownProvider => "unknown_provider",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidState => "invalid_state",
            Self::AccessDenied => "access_denied",
            Self::ProviderError => "provider_error",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::InvalidIdToken => "invalid_id_token",
            Self::UnverifiedEmail => "unverified_email",
            Self::EmailDomainMismatch => "email_domain_mismatch",
            Self::SsoRequired => "sso_required",
            Self::Unknown => "unknown",
        }
    }
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response: `{"error": code, "message": text}`, plus
/// `retry_after` (seconds) on rate limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine code.
    pub error: ErrorCode,
    /// Explanation for people; may change between versions.
    pub message: String,
    /// Seconds to wait before retrying, on `rate_limited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_as_str() {
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::InvalidEmail,
            ErrorCode::InvalidPhone,
            ErrorCode::MethodNotEnabled,
            ErrorCode::InvalidClient,
            ErrorCode::InvalidOrigin,
            ErrorCode::InvalidOtp,
            ErrorCode::OtpExpired,
            ErrorCode::TooManyAttempts,
            ErrorCode::RateLimited,
            ErrorCode::InvalidGrant,
            ErrorCode::RefreshTokenReused,
            ErrorCode::InvalidToken,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::DeliveryFailed,
            ErrorCode::ServerError,
            ErrorCode::PasskeyFailed,
            ErrorCode::CeremonyExpired,
            ErrorCode::LastSignInMethod,
            ErrorCode::UnknownProvider,
            ErrorCode::InvalidRedirectUri,
            ErrorCode::InvalidState,
            ErrorCode::AccessDenied,
            ErrorCode::ProviderError,
            ErrorCode::ProviderUnavailable,
            ErrorCode::InvalidIdToken,
            ErrorCode::UnverifiedEmail,
            ErrorCode::EmailDomainMismatch,
            ErrorCode::SsoRequired,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn unknown_codes_do_not_fail_parsing() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"brand_new","message":"x","retry_after":3}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
        assert_eq!(body.retry_after, Some(3));
    }
}
