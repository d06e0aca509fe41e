//! Passkeys in the browser: thin bindings to `webauthn.js` (which calls
//! `navigator.credentials` in the same task as the click) and the ceremonies the server
//! hands out.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

use crate::api::{ApiError, PasskeyChallenge};

#[wasm_bindgen(module = "/src/webauthn.js")]
extern "C" {
    #[wasm_bindgen(js_name = supported)]
    fn js_supported() -> bool;
    #[wasm_bindgen(js_name = conditionalAvailable)]
    fn js_conditional_available() -> js_sys::Promise;
    #[wasm_bindgen(js_name = rpId)]
    fn js_rp_id(options: &str) -> String;
    #[wasm_bindgen(js_name = get)]
    fn js_get(
        options: &str,
        conditional: bool,
        signal: Option<&web_sys::AbortSignal>,
    ) -> js_sys::Promise;
    #[wasm_bindgen(js_name = create)]
    fn js_create(options: &str) -> js_sys::Promise;
}

/// Why the browser's passkey call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyError {
    /// The person cancelled, the prompt timed out, or no passkey was chosen
    /// (`NotAllowedError`: browsers do not say which, on purpose).
    Cancelled,
    /// The request was aborted by the widget itself (another method was chosen).
    Aborted,
    /// This authenticator already holds a passkey for the account (`InvalidStateError`).
    AlreadyRegistered,
    /// The page's origin does not match the passkeys' relying party (`SecurityError`).
    NotAllowedHere,
    /// The browser cannot do it (`NotSupportedError`, no WebAuthn, anything else).
    Unsupported,
}

impl PasskeyError {
    /// The stable code sent in `ssojet:error` events.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cancelled => "passkey_cancelled",
            Self::Aborted => "passkey_aborted",
            Self::AlreadyRegistered => "passkey_exists",
            Self::NotAllowedHere => "passkey_not_allowed_here",
            Self::Unsupported => "passkey_unsupported",
        }
    }

    /// The error of a `DOMException` name.
    pub fn from_name(name: &str) -> Self {
        match name {
            "NotAllowedError" => Self::Cancelled,
            "AbortError" => Self::Aborted,
            "InvalidStateError" => Self::AlreadyRegistered,
            "SecurityError" => Self::NotAllowedHere,
            _ => Self::Unsupported,
        }
    }

    fn from_js(err: &JsValue) -> Self {
        let name = js_sys::Reflect::get(err, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        Self::from_name(&name)
    }
}

/// Whether this browser has WebAuthn.
pub fn supported() -> bool {
    js_supported()
}

/// Whether passkey autofill (conditional mediation) is available.
pub async fn conditional_available() -> bool {
    JsFuture::from(js_conditional_available())
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Whether a relying party id allows this page: the page's host is `rp_id` or below it.
pub fn allows_host(rp_id: &str, host: &str) -> bool {
    !rp_id.is_empty()
        && (host == rp_id
            || host
                .strip_suffix(rp_id)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// A ceremony from the server: its handle, options (JSON text) and expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct Ceremony {
    /// The handle to send back with the answer.
    pub state: String,
    /// `{"publicKey": {...}}` as JSON text.
    options: String,
    /// Expiry in ms since the epoch.
    expires_at_ms: f64,
}

impl Ceremony {
    /// The ceremony of a start response.
    pub fn new(challenge: &PasskeyChallenge) -> Self {
        Self {
            state: challenge.state.clone(),
            options: challenge.options.get().to_owned(),
            expires_at_ms: js_sys::Date::parse(&challenge.expires_at),
        }
    }

    /// Whether it can still be used (with 15 s to spare for the person to answer).
    pub fn fresh(&self) -> bool {
        js_sys::Date::now() + 15_000.0 < self.expires_at_ms
    }

    /// Whether this page may use it: its relying party covers the page's host.
    pub fn usable_here(&self) -> bool {
        let host = web_sys::window()
            .and_then(|w| w.location().hostname().ok())
            .unwrap_or_default();
        allows_host(&js_rp_id(&self.options), &host)
    }

    /// Starts `navigator.credentials.get` now (call it from the click handler itself);
    /// `conditional` for autofill, abortable through `abort`.
    pub fn get(&self, conditional: bool, abort: Option<&AbortController>) -> Pending {
        Pending(js_get(
            &self.options,
            conditional,
            abort.map(|a| a.signal()).as_ref(),
        ))
    }

    /// Starts `navigator.credentials.create` now (call it from the click handler itself).
    pub fn create(&self) -> Pending {
        Pending(js_create(&self.options))
    }
}

/// A browser passkey call in flight.
#[derive(Debug)]
pub struct Pending(js_sys::Promise);

impl Pending {
    /// The credential as JSON text, or why there is none.
    pub async fn credential(self) -> Result<String, ApiError> {
        match JsFuture::from(self.0).await {
            Ok(json) => json.as_string().ok_or(ApiError::Malformed),
            Err(err) => Err(ApiError::Passkey(PasskeyError::from_js(&err))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relying_party_covers_its_subdomains_only() {
        assert!(allows_host("localhost", "localhost"));
        assert!(allows_host("example.com", "login.example.com"));
        assert!(!allows_host("example.com", "badexample.com"));
        assert!(!allows_host("localhost", "127.0.0.1"));
        assert!(!allows_host("", "localhost"));
    }

    #[test]
    fn dom_exception_names_map_to_errors() {
        assert_eq!(
            PasskeyError::from_name("NotAllowedError"),
            PasskeyError::Cancelled
        );
        assert_eq!(
            PasskeyError::from_name("InvalidStateError"),
            PasskeyError::AlreadyRegistered
        );
        assert_eq!(PasskeyError::from_name("AbortError"), PasskeyError::Aborted);
        assert_eq!(PasskeyError::from_name("Weird"), PasskeyError::Unsupported);
    }
}
