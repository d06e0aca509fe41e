//! Sign-in flows, one per file, and the card that offers them ([`SignInFlow`]). Each ends
//! with the same exchange ([`finish`]) and a [`SignedIn`].

pub mod email_code;
pub mod magic_link;
pub mod passkey;
pub mod phone;
pub mod sign_in;
pub mod social;

pub use email_code::{CodeStep, EmailCodeFlow, EmailOffer, EmailStep, SuccessStep};
pub use magic_link::CheckEmailStep;
pub use passkey::{PasskeyList, PasskeyPanel};
pub use phone::PhoneStep;
pub use sign_in::{Offer, SignInFlow, offer};

use protocol::{TokenResponse, User};

use crate::api::{Api, ApiError};

/// The result of a sign-in. Tokens live only in memory: in this value and in what the
/// page's `ssojet:login` handler does with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The tokens from the code exchange (`Debug` redacts them).
    pub tokens: TokenResponse,
    /// When the access token expires (RFC 3339), computed from `expires_in` on receipt.
    pub expires_at: String,
    /// The signed-in user, from `auth/status`.
    pub user: User,
}

/// How long a sent code blocks the resend button.
pub const RESEND_AFTER_SECS: u32 = 30;

/// The RFC 3339 time `secs` seconds from now.
pub(crate) fn rfc3339_in(secs: u64) -> String {
    // Clamped so the date stays valid (toISOString throws on invalid dates).
    let secs = secs.min(10 * 365 * 24 * 3600);
    let ms = js_sys::Date::now() + (secs as f64) * 1000.0;
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
        .to_iso_string()
        .into()
}

/// Exchanges the authorization code (with the PKCE verifier) and reads the user: the last
/// hop of every method.
pub(crate) async fn finish(api: &Api, code: &str, verifier: &str) -> Result<SignedIn, ApiError> {
    let tokens = api.exchange(code, verifier).await?;
    let status = api.status(&tokens.access_token).await?;
    let expires_at = rfc3339_in(tokens.expires_in);
    Ok(SignedIn {
        tokens,
        expires_at,
        user: status.user,
    })
}
