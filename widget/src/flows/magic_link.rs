//! Sign-in with a link sent by email.
//!
//! Email step → `magic-link/send` (with a fresh PKCE challenge) → "check your email" step,
//! which polls `magic-link/status` with the verifier until the link is opened (on any
//! device) → the same exchange as the code flows.
//!
//! When the link is opened in this browser, the server sends it back to the client's
//! redirect URI with `?state=`. The in-flight `{state, code_verifier}` is therefore kept in
//! `sessionStorage` under [`STORAGE_KEY`] while a link is out (and only then), so the page
//! that loads can finish the sign-in ([`landing`]). Tokens are never stored.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    components::{ErrorRegion, MailIcon, Spinner},
    i18n::{EN, Texts, fill},
};

/// The `sessionStorage` key of the link in flight.
pub const STORAGE_KEY: &str = "ssojet:magic-link";

/// A link in flight: what this browser needs to collect the sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The request handle.
    pub state: String,
    /// The PKCE verifier (the status poll and the exchange need it).
    pub code_verifier: String,
    /// When the link expires (RFC 3339).
    pub expires_at: String,
    /// Where the link went.
    #[serde(default)]
    pub email: String,
}

impl core::fmt::Debug for Pending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pending")
            .field("state", &self.state)
            .field("code_verifier", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// First poll after this many milliseconds.
pub const POLL_FIRST_MS: u32 = 1_000;
/// Polls never wait longer than this.
pub const POLL_MAX_MS: u32 = 5_000;

/// How long to wait before poll number `attempt` (0-based), given the time now and the
/// expiry (both in ms since the epoch): 1 s growing by half each time up to 5 s, the last
/// wait cut so a poll lands at the expiry, and `None` once the expiry has passed.
pub fn next_poll_delay(attempt: u32, now_ms: f64, expires_at_ms: f64) -> Option<u32> {
    let left = expires_at_ms - now_ms;
    if left.is_nan() || left <= 0.0 {
        return None;
    }
    let mut delay = POLL_FIRST_MS;
    for _ in 0..attempt.min(8) {
        delay = (delay + delay / 2).min(POLL_MAX_MS);
    }
    // `left` is positive here; rounding up keeps the last poll at or after the expiry.
    Some(if left < f64::from(delay) {
        left.ceil() as u32
    } else {
        delay
    })
}

/// The time `rfc3339` in ms since the epoch (NaN when it does not parse).
pub fn parse_time(rfc3339: &str) -> f64 {
    js_sys::Date::parse(rfc3339)
}

/// The stored link, if `url_state` (the `state` of the page's URL) is its `state`.
/// A missing, unreadable or different entry gives `None`.
pub fn matching(url_state: Option<&str>, stored: Option<&str>) -> Option<Pending> {
    let url_state = url_state.filter(|s| !s.is_empty())?;
    let pending: Pending = serde_json::from_str(stored?).ok()?;
    (pending.state == url_state).then_some(pending)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Keeps `pending` in `sessionStorage` (best effort: without storage, the starting tab
/// still finishes by polling).
pub fn remember(pending: &Pending) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(pending)) {
        _ = storage.set_item(STORAGE_KEY, &json);
    }
}

/// The stored link, if any (raw JSON).
pub fn stored() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok().flatten()
}

/// Removes the stored link.
pub fn forget() {
    if let Some(storage) = storage() {
        _ = storage.remove_item(STORAGE_KEY);
    }
}

/// The `state` query parameter of this page's URL.
pub fn url_state() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("state")
}

/// The link to finish on this page: the stored one when the URL carries its `state`.
/// Storage is left as it is (a different `state` belongs to someone else).
pub fn landing() -> Option<Pending> {
    matching(url_state().as_deref(), stored().as_deref())
}

/// Removes `state` from the address bar without reloading.
pub fn clean_url() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    url.search_params().delete("state");
    if let Ok(history) = window.history() {
        _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
    }
}

/// Waits `ms` milliseconds.
pub(crate) async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// "Check your email": waits for the link to be opened; offers resend and cancel.
#[component]
pub fn CheckEmailStep(
    /// Where the link went.
    #[prop(into)]
    email: Signal<String>,
    /// Whether the link has expired (then only "start again" is offered).
    #[prop(into)]
    expired: Signal<bool>,
    /// Whether a new link was sent.
    #[prop(into)]
    resent: Signal<bool>,
    /// The error shown on this step.
    error: RwSignal<Option<String>>,
    /// Whether a new link is being requested.
    #[prop(into)]
    resend_pending: Signal<bool>,
    /// Seconds before the resend button can be used.
    #[prop(into)]
    resend_left: Signal<u32>,
    /// Called by the resend button.
    #[prop(into)]
    on_resend: Callback<()>,
    /// Called by "use another email" and "start again": stops waiting.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let resend_disabled = move || resend_left.get() != 0 || resend_pending.get();
    let resend_label = move || match resend_left.get() {
        0 => t.resend_link.to_owned(),
        left => fill(t.resend_link_in, &left.to_string()),
    };
    let waiting = move || {
        view! {
            <h2 class="ssojet-title">{t.link_title}</h2>
            <p class="ssojet-subtitle">
                {move || {
                    let template = if resent.get() { t.link_resent } else { t.link_subtitle };
                    email.with(|email| fill(template, email))
                }}
            </p>
            <p class="ssojet-waiting" role="status">
                <Spinner />
                <span>{t.link_waiting}</span>
            </p>
            <ErrorRegion message=error />
            <div class="ssojet-row ssojet-row-end">
                <button
                    type="button"
                    class="ssojet-link"
                    data-testid="cancel-link"
                    on:click=move |_| on_cancel.run(())
                >
                    {t.use_another_email}
                </button>
                <button
                    type="button"
                    class="ssojet-link"
                    data-testid="resend-link"
                    disabled=resend_disabled
                    on:click=move |_| on_resend.run(())
                >
                    {resend_label}
                </button>
            </div>
        }
    };
    let expired_view = move || {
        view! {
            <h2 class="ssojet-title">{t.link_expired_title}</h2>
            <p class="ssojet-subtitle">{move || email.with(|email| fill(t.link_expired, email))}</p>
            <ErrorRegion message=error />
            <button
                type="button"
                class="ssojet-button ssojet-button-primary ssojet-push-down"
                data-testid="start-again"
                on:click=move |_| on_cancel.run(())
            >
                {t.start_again}
            </button>
        }
    };
    view! {
        <div class="ssojet-step" data-testid="check-email">
            <div class="ssojet-badge">
                <MailIcon />
            </div>
            {move || {
                if expired.get() { expired_view().into_any() } else { waiting().into_any() }
            }}
        </div>
    }
}

/// "Finishing sign-in": shown while a link opened in this browser is collected.
#[component]
pub fn FinishingStep(
    /// The title (the finishing text, the loading text while the configuration loads, or
    /// where the browser is going).
    #[prop(into)]
    title: TextProp,
    /// A `data-testid` for the step.
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="ssojet-step ssojet-center" data-testid=testid role="status" aria-busy="true">
            <span class="ssojet-spinner ssojet-spinner-large" aria-hidden="true"></span>
            <p class="ssojet-subtitle">{move || title.get()}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_off_to_five_seconds() {
        let far = 1e12;
        let delays: Vec<_> = (0..8)
            .map(|a| next_poll_delay(a, 0.0, far).unwrap_or(0))
            .collect();
        assert_eq!(delays, [1000, 1500, 2250, 3375, 5000, 5000, 5000, 5000]);
        assert_eq!(next_poll_delay(1000, 0.0, far), Some(5000));
    }

    #[test]
    fn polls_stop_at_the_expiry() {
        assert_eq!(next_poll_delay(5, 10_000.0, 12_000.0), Some(2000));
        assert_eq!(next_poll_delay(0, 10_000.0, 10_000.5), Some(1));
        assert_eq!(next_poll_delay(0, 10_000.0, 10_000.0), None);
        assert_eq!(next_poll_delay(0, 10_001.0, 10_000.0), None);
        assert_eq!(next_poll_delay(0, 0.0, f64::NAN), None);
    }

    #[test]
    fn only_the_stored_state_lands() {
        let stored = r#"{"state":"s1","code_verifier":"v","expires_at":"2030-01-01T00:00:00Z"}"#;
        let pending = matching(Some("s1"), Some(stored));
        assert_eq!(pending.map(|p| p.code_verifier).as_deref(), Some("v"));
        assert_eq!(matching(Some("s2"), Some(stored)), None);
        assert_eq!(matching(None, Some(stored)), None);
        assert_eq!(matching(Some(""), Some(stored)), None);
        assert_eq!(matching(Some("s1"), None), None);
        assert_eq!(matching(Some("s1"), Some("not json")), None);
    }

    #[test]
    fn debug_hides_the_verifier() {
        let p = Pending {
            state: "s".into(),
            code_verifier: "secret-verifier".into(),
            expires_at: String::new(),
            email: String::new(),
        };
        assert!(!format!("{p:?}").contains("secret"));
    }
}
