//! Sign-in at a social provider (Google, any OpenID Connect provider) or an organization's
//! SSO connection. The server is the OpenID Connect relying party; the widget only sends the
//! browser to `auth/oauth/{provider}/authorize` with a fresh PKCE challenge and its own
//! `state`, and finishes when the browser comes back with `?code=&state=` (or `?error=`).
//!
//! **Redirect** (the default): the `{state, code_verifier}` of the sign-in is kept in
//! `sessionStorage` under [`STORAGE_KEY`] while the browser is away, and the page it comes
//! back to finishes the sign-in ([`landing`]) and removes it.
//!
//! **Popup** (an option): the provider runs in a popup opened from the click; the page the
//! popup comes back to (the same page, with the widget on it) hands its query to the opener
//! with `postMessage` (same origin only) and closes. Nothing is stored.

use leptos::prelude::*;
use protocol::{ErrorBody, ErrorCode, ProviderInfo, ProviderKind};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::{
    components::{KeyIcon, Spinner},
    i18n::{EN, Texts, fill},
};

/// The `sessionStorage` key of a redirect sign-in in flight.
pub const STORAGE_KEY: &str = "ssojet:oauth";
/// The name of the popup window (its page recognises itself by it).
pub const POPUP_NAME: &str = "ssojet-oauth";
/// The `source` of the popup's message to its opener.
const MESSAGE_SOURCE: &str = "ssojet-oauth";
/// The query parameters the provider's return adds to this page.
const RETURN_PARAMS: [&str; 5] = ["code", "state", "error", "error_description", "iss"];

/// A sign-in at a provider in flight: what this browser needs to finish it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The widget's `state`, given back on the return.
    pub state: String,
    /// The PKCE verifier of the authorization code.
    pub code_verifier: String,
}

impl core::fmt::Debug for Pending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pending")
            .field("state", &self.state)
            .field("code_verifier", &"[redacted]")
            .finish()
    }
}

/// How a provider sign-in came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Return {
    /// An authorization code to exchange with the stored verifier.
    Code {
        /// The authorization code.
        code: String,
        /// The verifier of its PKCE challenge.
        code_verifier: String,
    },
    /// The provider or the server refused (`access_denied`, `unverified_email`, ...).
    Error(ErrorBody),
}

/// The return carried by `search` (a URL query), if its `state` is `pending`'s.
pub fn parse_return(search: &str, pending: &Pending) -> Option<Return> {
    let params = web_sys::UrlSearchParams::new_with_str(search).ok()?;
    if params.get("state").as_deref() != Some(pending.state.as_str()) {
        return None;
    }
    if let Some(code) = params.get("code").filter(|c| !c.is_empty()) {
        return Some(Return::Code {
            code,
            code_verifier: pending.code_verifier.clone(),
        });
    }
    let error = params.get("error")?;
    Some(Return::Error(ErrorBody {
        error: error_code(&error),
        message: params.get("error_description").unwrap_or_default(),
        retry_after: None,
    }))
}

/// The stable code of an `error` parameter (unknown ones become [`ErrorCode::Unknown`]).
pub fn error_code(error: &str) -> ErrorCode {
    let mut quoted = String::with_capacity(error.len() + 2);
    quoted.push('"');
    quoted.push_str(error);
    quoted.push('"');
    serde_json::from_str(&quoted).unwrap_or(ErrorCode::Unknown)
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn search() -> Option<String> {
    web_sys::window()?.location().search().ok()
}

/// Keeps `pending` while the browser is at the provider (best effort).
pub fn remember(pending: &Pending) {
    if let (Some(storage), Ok(json)) = (session_storage(), serde_json::to_string(pending)) {
        _ = storage.set_item(STORAGE_KEY, &json);
    }
}

/// The provider's return on this page's URL, when a sign-in is stored here: its code or
/// error when the `state` matches, an `invalid_state` error when the URL carries a return
/// with another `state` (a forged or stale one). The stored sign-in is removed either way
/// (a return is used once). Without a stored sign-in the URL is not ours to read.
pub fn landing() -> Option<Return> {
    let storage = session_storage()?;
    let stored = storage.get_item(STORAGE_KEY).ok().flatten()?;
    let search = search()?;
    let pending: Option<Pending> = serde_json::from_str(&stored).ok();
    let found = match pending.as_ref().and_then(|p| parse_return(&search, p)) {
        Some(found) => found,
        None if is_return(&search) => Return::Error(ErrorBody {
            error: ErrorCode::InvalidState,
            message: String::new(),
            retry_after: None,
        }),
        None => return None,
    };
    _ = storage.remove_item(STORAGE_KEY);
    Some(found)
}

/// Whether a URL query looks like a provider's return: a `state` with a `code` or `error`.
fn is_return(search: &str) -> bool {
    web_sys::UrlSearchParams::new_with_str(search)
        .is_ok_and(|p| p.has("state") && (p.has("code") || p.has("error")))
}

/// Removes the provider's return parameters from the address bar without reloading.
pub fn clean_url() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(url) = window.location().href().and_then(|h| web_sys::Url::new(&h)) else {
        return;
    };
    for name in RETURN_PARAMS {
        url.search_params().delete(name);
    }
    if let Ok(history) = window.history() {
        _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
    }
}

/// Where the provider sends the browser back by default: this page, without its query.
pub fn this_page() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return String::new();
    };
    let mut page = location.origin().unwrap_or_default();
    page.push_str(&location.pathname().unwrap_or_default());
    page
}

/// Sends this browser to `url` (the redirect mode).
pub fn navigate(url: &str) {
    if let Some(window) = web_sys::window() {
        _ = window.location().assign(url);
    }
}

/// Opens the popup (from the click itself, or popup blockers refuse it); `None` when the
/// browser refused.
pub fn open_popup() -> Option<web_sys::Window> {
    web_sys::window()?
        .open_with_url_and_target_and_features("", POPUP_NAME, "popup,width=500,height=680")
        .ok()
        .flatten()
}

/// In the popup, back from the provider: hands the query to the opener (same origin only)
/// and closes. Returns whether this page is such a popup (then it shows nothing else).
pub fn hand_back_to_opener() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    if window.name().ok().as_deref() != Some(POPUP_NAME) {
        return false;
    }
    let (Ok(opener), Some(search), Ok(origin)) =
        (window.opener(), search(), window.location().origin())
    else {
        return false;
    };
    if opener.is_null() || opener.is_undefined() {
        return false;
    }
    // Not `dyn_into`: the opener's `Window` comes from another realm, so `instanceof`
    // against this page's `Window` is false.
    let opener = opener.unchecked_into::<web_sys::Window>();
    if !search.contains("state=") {
        return false;
    }
    let message = js_sys::Object::new();
    _ = js_sys::Reflect::set(&message, &"source".into(), &MESSAGE_SOURCE.into());
    _ = js_sys::Reflect::set(&message, &"search".into(), &search.into());
    _ = opener.post_message(&message, &origin);
    _ = window.close();
    true
}

/// The query a popup handed back in `event`, when the message is one (from this origin).
pub fn popup_message(event: &web_sys::MessageEvent) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    if event.origin() != origin {
        return None;
    }
    let data = event.data();
    let source = js_sys::Reflect::get(&data, &"source".into()).ok()?;
    if source.as_string().as_deref() != Some(MESSAGE_SOURCE) {
        return None;
    }
    js_sys::Reflect::get(&data, &"search".into())
        .ok()?
        .as_string()
}

/// Google's "G" mark, in its four colours (Google's sign-in branding guidelines).
#[component]
fn GoogleMark() -> impl IntoView {
    view! {
        <svg class="ssojet-provider-mark" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
            <path fill="#EA4335" d="M24 9.5c3.54 0 6.71 1.22 9.21 3.6l6.85-6.85C35.9 2.38 30.47 0 24 0 14.62 0 6.51 5.38 2.56 13.22l7.98 6.19C12.43 13.72 17.74 9.5 24 9.5z"></path>
            <path fill="#4285F4" d="M46.98 24.55c0-1.57-.15-3.09-.38-4.55H24v9.02h12.94c-.58 2.96-2.26 5.48-4.78 7.18l7.73 6c4.51-4.18 7.09-10.36 7.09-17.65z"></path>
            <path fill="#FBBC05" d="M10.53 28.59c-.48-1.45-.76-2.99-.76-4.59s.27-3.14.76-4.59l-7.98-6.19C.92 16.46 0 20.12 0 24c0 3.88.92 7.54 2.56 10.78l7.97-6.19z"></path>
            <path fill="#34A853" d="M24 48c6.48 0 11.93-2.13 15.89-5.81l-7.73-6c-2.15 1.45-4.92 2.3-8.16 2.3-6.26 0-11.57-4.22-13.47-9.91l-7.98 6.19C6.51 42.62 14.62 48 24 48z"></path>
        </svg>
    }
}

/// One button per social provider. Google's follows Google's branding rules (white, the
/// four-colour "G", "Continue with Google"); others show their name.
#[component]
pub fn ProviderButtons(
    /// The providers, in order.
    providers: Vec<ProviderInfo>,
    /// Called from the click with the provider (the popup, if any, must open in it).
    #[prop(into)]
    on_select: Callback<ProviderInfo>,
    /// The provider whose sign-in is starting, if any.
    #[prop(into)]
    pending: Signal<Option<String>>,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    providers
        .into_iter()
        .map(|provider| {
            let google = provider.kind == ProviderKind::Google;
            let label = fill(t.social.continue_with, &provider.name);
            let id = StoredValue::new(provider.id.clone());
            let busy = move || pending.with(|p| id.with_value(|id| p.as_deref() == Some(id)));
            let provider = StoredValue::new(provider);
            view! {
                <button
                    type="button"
                    class="ssojet-button ssojet-button-secondary ssojet-provider"
                    class:ssojet-provider-google=google
                    data-testid="provider-button"
                    data-provider=id.get_value()
                    disabled=move || pending.with(Option::is_some)
                    aria-busy=move || if busy() { "true" } else { "false" }
                    on:click=move |_| on_select.run(provider.get_value())
                >
                    <Show
                        when=busy
                        fallback=move || {
                            if google {
                                view! { <GoogleMark /> }.into_any()
                            } else {
                                view! { <KeyIcon /> }.into_any()
                            }
                        }
                    >
                        <Spinner />
                    </Show>
                    <span class="ssojet-button-label">{label}</span>
                </button>
            }
        })
        .collect_view()
}
