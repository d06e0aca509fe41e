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

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};
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

/// A call started by a button, and whether one is in flight: what the flows used of an
/// `Action` (its `pending`), without the input, value and version signals an `Action` keeps
/// and the code each of them costs in the wasm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Task {
    in_flight: RwSignal<u32>,
    pending: Memo<bool>,
}

impl Task {
    pub(crate) fn new() -> Self {
        let in_flight = RwSignal::new(0_u32);
        Self {
            in_flight,
            pending: Memo::new(move |_| in_flight.get() > 0),
        }
    }

    /// Whether a call is in flight.
    pub(crate) fn pending(self) -> Signal<bool> {
        self.pending.into()
    }

    /// Runs `call` (like `Action::dispatch_local`: pending until it ends).
    pub(crate) fn run(self, call: impl Future<Output = ()> + 'static) {
        self.in_flight.update(|n| *n += 1);
        spawn_local(async move {
            call.await;
            self.in_flight.try_update(|n| *n = n.saturating_sub(1));
        });
    }
}
