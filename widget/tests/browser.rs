//! Browser tests of the widget, run in headless Chromium:
//!
//! ```sh
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! cargo test -p widget --target wasm32-unknown-unknown
//! ```
//!
//! Time is driven through a manual [`Countdown`]; waits poll for a condition with a deadline.
#![cfg(target_arch = "wasm32")]
// Test helpers (not only `#[test]` bodies) fail loudly by design.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    sync::{Arc, Mutex},
};

use leptos::prelude::*;
use protocol::{ErrorBody, ErrorCode};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Event, HtmlButtonElement, HtmlElement, HtmlInputElement};
use widget::{
    api::ApiError,
    countdown::Countdown,
    flows::{
        CodeStep, EmailOffer, EmailStep, PhoneStep,
        magic_link::{self, STORAGE_KEY},
        offer,
        phone::to_e164,
    },
    i18n::{EN, Locale},
    pkce::{Pkce, challenge_for},
};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh container attached to the page.
fn container() -> HtmlElement {
    let div: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

fn find<T: JsCast>(root: &HtmlElement, testid: &str) -> T {
    root.query_selector(&format!("[data-testid={testid}]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
        .unchecked_into()
}

/// Lets queued effects and the DOM updates they make run.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Polls `cond` until it holds, failing after about five seconds.
async fn wait_for(what: &str, cond: impl FnMut() -> bool) {
    wait_long(what, 500, cond).await;
}

/// Polls `cond` every 10 ms, `rounds` times at most.
async fn wait_long(what: &str, rounds: u32, mut cond: impl FnMut() -> bool) {
    for _ in 0..rounds {
        if cond() {
            return;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
                .unwrap();
        });
        JsFuture::from(promise).await.unwrap();
    }
    panic!("timed out waiting for {what}");
}

fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    input.dispatch_event(&Event::new("input").unwrap()).unwrap();
}

/// What a mounted code step reports back to the test.
struct CodeStepHarness {
    root: HtmlElement,
    countdown: Countdown,
    code: RwSignal<String>,
    submitted: Arc<Mutex<Vec<String>>>,
    resends: Arc<Mutex<u32>>,
}

fn mount_code_step() -> CodeStepHarness {
    let root = container();
    let submitted = Arc::new(Mutex::new(Vec::new()));
    let resends = Arc::new(Mutex::new(0));
    let slot = Rc::new(Cell::new(None));
    let (sub, res, out) = (submitted.clone(), resends.clone(), slot.clone());
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let countdown = Countdown::manual();
        let code = RwSignal::new(String::new());
        out.set(Some((countdown, code)));
        countdown.start(30);
        view! {
            <CodeStep
                code=code
                email="a@example.com".to_string()
                error=RwSignal::new(None)
                resent=false
                pending=false
                resend_pending=false
                resend_left=countdown.remaining()
                on_submit=move |otp: String| sub.lock().unwrap().push(otp)
                on_resend=move || *res.lock().unwrap() += 1
                on_back=|| ()
            />
        }
    });
    handle.forget();
    let (countdown, code) = slot.take().unwrap();
    CodeStepHarness {
        root,
        countdown,
        code,
        submitted,
        resends,
    }
}

#[wasm_bindgen_test]
async fn code_input_is_a_one_time_code_field_with_focus() {
    let h = mount_code_step();
    settle().await;
    let input: HtmlInputElement = find(&h.root, "code-input");
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(input.get_attribute("maxlength").as_deref(), Some("6"));
    // It has a label.
    let label = input.closest("label").unwrap().unwrap();
    assert!(label.text_content().unwrap().contains(EN.code_label));
    // Focus moved to it.
    let active = document().active_element().unwrap();
    assert_eq!(active, input.unchecked_into::<web_sys::Element>());
    // The error region is a polite live region.
    let error: HtmlElement = find(&h.root, "error");
    assert_eq!(error.get_attribute("aria-live").as_deref(), Some("polite"));
}

#[wasm_bindgen_test]
async fn only_digits_are_kept_and_six_submit() {
    let h = mount_code_step();
    settle().await;
    let input: HtmlInputElement = find(&h.root, "code-input");

    type_into(&input, "12a3 b4");
    settle().await;
    assert_eq!(input.value(), "1234");
    assert_eq!(h.code.get_untracked(), "1234");
    assert!(h.submitted.lock().unwrap().is_empty());

    type_into(&input, "1234567890");
    settle().await;
    assert_eq!(input.value(), "123456");
    assert_eq!(*h.submitted.lock().unwrap(), vec!["123456".to_string()]);
}

#[wasm_bindgen_test]
async fn submit_with_too_few_digits_shows_an_error() {
    let h = mount_code_step();
    settle().await;
    let input: HtmlInputElement = find(&h.root, "code-input");
    type_into(&input, "12");
    let submit: HtmlButtonElement = find(&h.root, "code-submit");
    submit.click();
    settle().await;
    let error: HtmlElement = find(&h.root, "error");
    assert_eq!(error.text_content().unwrap(), EN.errors.code_incomplete);
    assert!(h.submitted.lock().unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn resend_waits_for_the_countdown() {
    let h = mount_code_step();
    settle().await;
    let resend: HtmlButtonElement = find(&h.root, "resend-button");
    assert!(resend.disabled());
    assert_eq!(resend.text_content().unwrap(), "Resend code in 30 s");

    for _ in 0..29 {
        h.countdown.tick();
    }
    settle().await;
    assert!(resend.disabled());
    assert_eq!(resend.text_content().unwrap(), "Resend code in 1 s");
    resend.click();
    assert_eq!(*h.resends.lock().unwrap(), 0);

    h.countdown.tick();
    settle().await;
    assert!(!resend.disabled());
    assert_eq!(resend.text_content().unwrap(), EN.resend);
    resend.click();
    assert_eq!(*h.resends.lock().unwrap(), 1);

    // A new send blocks it again.
    h.countdown.start(30);
    settle().await;
    assert!(resend.disabled());
}

fn api_error(code: ErrorCode, retry_after: Option<u64>) -> ApiError {
    ApiError::Api(ErrorBody {
        error: code,
        message: "server text".into(),
        retry_after,
    })
}

#[wasm_bindgen_test]
fn error_codes_choose_the_message() {
    let t = Locale::En.texts();
    let e = &t.errors;
    let cases = [
        (
            api_error(ErrorCode::InvalidEmail, None),
            e.invalid_email.to_string(),
        ),
        (
            api_error(ErrorCode::InvalidOtp, None),
            e.invalid_otp.to_string(),
        ),
        (
            api_error(ErrorCode::OtpExpired, None),
            e.otp_expired.to_string(),
        ),
        (
            api_error(ErrorCode::TooManyAttempts, None),
            e.too_many_attempts.to_string(),
        ),
        (
            api_error(ErrorCode::RateLimited, Some(42)),
            "Too many attempts. Try again in 42 seconds.".to_string(),
        ),
        (
            api_error(ErrorCode::RateLimited, None),
            e.rate_limited.to_string(),
        ),
        (
            api_error(ErrorCode::InvalidOrigin, None),
            e.invalid_origin.to_string(),
        ),
        (
            api_error(ErrorCode::InvalidClient, None),
            e.invalid_client.to_string(),
        ),
        (
            api_error(ErrorCode::ServerError, None),
            e.fallback.to_string(),
        ),
        (api_error(ErrorCode::Unknown, None), e.fallback.to_string()),
        (ApiError::Network, e.network.to_string()),
    ];
    for (err, message) in cases {
        assert_eq!(t.error_message(&err), message, "{err:?}");
    }
    assert!(e.invalid_otp.starts_with("That code is not right"));
    assert!(e.otp_expired.contains("request a new code"));
    assert!(e.too_many_attempts.contains("request a new code"));
    assert!(api_error(ErrorCode::OtpExpired, None).restarts_flow());
    assert!(api_error(ErrorCode::TooManyAttempts, None).restarts_flow());
    assert!(!api_error(ErrorCode::InvalidOtp, None).restarts_flow());
}

#[wasm_bindgen_test]
async fn pkce_matches_rfc7636_appendix_b() {
    let challenge = challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        .await
        .unwrap();
    assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");

    let pair = Pkce::generate().await.unwrap();
    assert_eq!(pair.verifier().len(), 43);
    assert!(
        pair.verifier()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(
        challenge_for(pair.verifier()).await.unwrap(),
        pair.challenge()
    );
    assert_ne!(Pkce::generate().await.unwrap().verifier(), pair.verifier());
}

#[wasm_bindgen_test]
fn mount_without_client_id_is_a_clear_type_error() {
    let root = container();
    for options in [
        JsValue::UNDEFINED,
        js_sys::Object::new().into(),
        js_sys::JSON::parse(r#"{"clientId": "  "}"#).unwrap(),
    ] {
        let err = widget::mount(root.clone(), &options).unwrap_err();
        assert!(err.is_instance_of::<js_sys::TypeError>());
        let message: String = js_sys::Error::from(err).message().into();
        assert!(message.contains("clientId"), "{message}");
    }
    let err = widget::mount(
        root.clone(),
        &js_sys::JSON::parse(r#"{"clientId": "c", "onLogin": 3}"#).unwrap(),
    )
    .unwrap_err();
    assert!(err.is_instance_of::<js_sys::TypeError>());
    assert_eq!(root.child_element_count(), 0);
}

/// The embed end to end up to the network: an unreachable API shows the network message
/// in the live region and dispatches `ssojet:error` on the container.
#[wasm_bindgen_test]
async fn unreachable_api_reports_a_network_error() {
    let root = container();
    let events = Rc::new(RefCell::new(Vec::<JsValue>::new()));
    let seen = events.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            seen.borrow_mut().push(e.detail());
        });
    // Listen on the body: the event bubbles.
    document()
        .body()
        .unwrap()
        .add_event_listener_with_callback("ssojet:error", listener.as_ref().unchecked_ref())
        .unwrap();
    let options =
        js_sys::JSON::parse(r#"{"clientId": "test", "apiBase": "http://127.0.0.1:9"}"#).unwrap();
    widget::mount(root.clone(), &options).unwrap();
    // The configuration cannot load either: the card falls back to the email code.
    wait_for("the email step", || has(&root, "email-input")).await;
    assert!(!has(&root, "magic-link-submit"));
    assert!(!has(&root, "use-phone"));

    let email: HtmlInputElement = find(&root, "email-input");
    assert_eq!(email.type_(), "email");
    assert_eq!(
        email.get_attribute("autocomplete").as_deref(),
        Some("email")
    );
    let submit: HtmlButtonElement = find(&root, "email-submit");

    // Client-side check first.
    type_into(&email, "not-an-address");
    submit.click();
    settle().await;
    let error: HtmlElement = find(&root, "error");
    assert_eq!(error.text_content().unwrap(), EN.errors.invalid_email);
    assert!(events.borrow().is_empty());

    type_into(&email, "a@example.com");
    submit.click();
    wait_for("the network error", || {
        error.text_content().unwrap_or_default() == EN.errors.network
    })
    .await;
    assert!(!submit.disabled());
    let detail = events.borrow()[0].clone();
    let code = js_sys::Reflect::get(&detail, &"error".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("network_error"));
    let message = js_sys::Reflect::get(&detail, &"message".into()).unwrap();
    assert_eq!(message.as_string().as_deref(), Some(EN.errors.network));
    listener.forget();
}

fn has(root: &HtmlElement, testid: &str) -> bool {
    root.query_selector(&format!("[data-testid={testid}]"))
        .unwrap()
        .is_some()
}

fn session() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

fn set_url_search(search: &str) {
    let window = web_sys::window().unwrap();
    let path = window.location().pathname().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{search}")))
        .unwrap();
}

/// Mounts an email step; every callback call is logged as `code:…`, `link:…` or `phone`.
fn mount_email_step(offer: EmailOffer, phone: bool) -> (HtmlElement, Arc<Mutex<Vec<String>>>) {
    let root = container();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let out = log.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let (c, l, p) = (out.clone(), out.clone(), out.clone());
        view! {
            <EmailStep
                email=RwSignal::new(String::new())
                error=RwSignal::new(None)
                pending=false
                on_submit=move |a: String| c.lock().unwrap().push(format!("code:{a}"))
                offer=offer
                on_link=move |a: String| l.lock().unwrap().push(format!("link:{a}"))
                on_use_phone=phone
                    .then(|| Callback::new(move |()| p.lock().unwrap().push("phone".into())))
            />
        }
    });
    handle.forget();
    (root, log)
}

fn calls(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[wasm_bindgen_test]
fn enabled_methods_choose_the_offer() {
    use protocol::SignInMethod::{EmailCode, MagicLink, SmsCode};
    assert_eq!(
        offer(&[EmailCode, MagicLink]).email,
        Some(EmailOffer::CodeOrLink)
    );
    assert_eq!(offer(&[MagicLink]).email, Some(EmailOffer::Link));
    assert!(offer(&[SmsCode, EmailCode]).phone_first);
    assert_eq!(offer(&[]).email, Some(EmailOffer::Code));
}

#[wasm_bindgen_test]
async fn code_and_link_offer_two_buttons_and_the_phone_switch() {
    let (root, list) = mount_email_step(EmailOffer::CodeOrLink, true);
    settle().await;
    let code: HtmlButtonElement = find(&root, "email-submit");
    let link: HtmlButtonElement = find(&root, "magic-link-submit");
    assert_eq!(code.text_content().unwrap(), EN.email_code_submit);
    assert_eq!(code.type_(), "submit");
    assert_eq!(link.text_content().unwrap(), EN.magic_link_submit);
    assert_eq!(link.type_(), "button");
    let input: HtmlInputElement = find(&root, "email-input");

    // Both check the address first.
    link.click();
    settle().await;
    assert_eq!(
        find::<HtmlElement>(&root, "error").text_content().unwrap(),
        EN.errors.invalid_email
    );
    assert!(calls(&list).is_empty());

    type_into(&input, " a@example.com ");
    link.click();
    code.click();
    find::<HtmlButtonElement>(&root, "use-phone").click();
    settle().await;
    assert_eq!(
        calls(&list),
        ["link:a@example.com", "code:a@example.com", "phone"]
    );
    assert_eq!(
        find::<HtmlElement>(&root, "error").text_content().unwrap(),
        ""
    );
}

#[wasm_bindgen_test]
async fn a_single_method_shows_a_single_button() {
    let (root, _) = mount_email_step(EmailOffer::Code, false);
    settle().await;
    assert_eq!(
        find::<HtmlElement>(&root, "email-submit")
            .text_content()
            .unwrap(),
        EN.email_submit
    );
    assert!(!has(&root, "magic-link-submit"));
    assert!(!has(&root, "use-phone"));

    let (root, list) = mount_email_step(EmailOffer::Link, false);
    settle().await;
    assert!(!has(&root, "email-submit"));
    type_into(&find(&root, "email-input"), "b@example.com");
    // Enter submits the only offer: a link.
    find::<HtmlButtonElement>(&root, "magic-link-submit").click();
    settle().await;
    assert_eq!(calls(&list), ["link:b@example.com"]);
}

#[wasm_bindgen_test]
fn phone_numbers_become_e164() {
    assert_eq!(
        to_e164("1", "(415) 555-0123").as_deref(),
        Some("+14155550123")
    );
    assert_eq!(
        to_e164("44", "07700 900123").as_deref(),
        Some("+447700900123")
    );
    assert_eq!(
        to_e164("49", "+33 6 12 34 56 78").as_deref(),
        Some("+33612345678")
    );
    assert_eq!(to_e164("1", "555-0123"), None);
    assert_eq!(to_e164("44", "call me"), None);
    assert_eq!(to_e164("44", ""), None);
}

#[wasm_bindgen_test]
async fn phone_step_combines_country_and_number() {
    let root = container();
    let sent = Arc::new(Mutex::new(Vec::<String>::new()));
    let out = sent.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <PhoneStep
                country_iso=RwSignal::new("US")
                number=RwSignal::new(String::new())
                error=RwSignal::new(None)
                pending=false
                on_submit=move |n: String| out.lock().unwrap().push(n)
                on_use_email=None
            />
        }
    });
    handle.forget();
    settle().await;
    let select: web_sys::HtmlSelectElement = find(&root, "country-select");
    assert_eq!(select.value(), "US");
    assert!(select.length() >= 20);
    let input: HtmlInputElement = find(&root, "phone-input");
    assert_eq!(input.type_(), "tel");
    assert_eq!(
        input.get_attribute("autocomplete").as_deref(),
        Some("tel-national")
    );
    assert!(!has(&root, "use-email"));
    let submit: HtmlButtonElement = find(&root, "phone-submit");

    type_into(&input, "555 01");
    submit.click();
    settle().await;
    assert_eq!(
        find::<HtmlElement>(&root, "error").text_content().unwrap(),
        EN.errors.invalid_phone
    );
    assert!(sent.lock().unwrap().is_empty());

    select.set_value("GB");
    select
        .dispatch_event(&Event::new("change").unwrap())
        .unwrap();
    type_into(&input, "07700-900 123");
    submit.click();
    settle().await;
    type_into(&input, "+49 151 2345 6789");
    submit.click();
    settle().await;
    assert_eq!(
        *sent.lock().unwrap(),
        ["+447700900123".to_string(), "+4915123456789".to_string()]
    );
    assert_eq!(
        find::<HtmlElement>(&root, "error").text_content().unwrap(),
        ""
    );
}

#[wasm_bindgen_test]
fn poll_backoff_grows_to_five_seconds_and_stops_at_expiry() {
    let delays: Vec<_> = (0..6)
        .map(|a| magic_link::next_poll_delay(a, 0.0, 60_000.0).unwrap())
        .collect();
    assert_eq!(delays, [1000, 1500, 2250, 3375, 5000, 5000]);
    assert_eq!(
        magic_link::next_poll_delay(9, 58_500.0, 60_000.0),
        Some(1500)
    );
    assert_eq!(magic_link::next_poll_delay(0, 60_000.0, 60_000.0), None);
    assert_eq!(magic_link::next_poll_delay(0, 61_000.0, 60_000.0), None);
}

const STORED: &str = r#"{"state":"st-1","code_verifier":"verifier-1","expires_at":"2030-01-01T00:00:00Z","email":"a@example.com"}"#;

#[wasm_bindgen_test]
fn landing_needs_the_stored_state_in_the_url() {
    session().set_item(STORAGE_KEY, STORED).unwrap();

    set_url_search("?state=st-1");
    let landing = magic_link::landing().unwrap();
    assert_eq!(landing.code_verifier, "verifier-1");

    // Someone else's state: ignored, and the entry is left alone.
    set_url_search("?state=other");
    assert!(magic_link::landing().is_none());
    set_url_search("");
    assert!(magic_link::landing().is_none());
    assert_eq!(
        session().get_item(STORAGE_KEY).unwrap().as_deref(),
        Some(STORED)
    );

    // clean_url drops only `state`.
    set_url_search("?a=1&state=st-1");
    magic_link::clean_url();
    assert_eq!(
        web_sys::window().unwrap().location().search().unwrap(),
        "?a=1"
    );
    set_url_search("");
    magic_link::forget();
    assert_eq!(session().get_item(STORAGE_KEY).unwrap(), None);
}

/// A fake auth API behind `window.fetch`, driven by `window.__fake`.
fn install_fake_api(methods: &str, statuses: &str) {
    let script = format!(
        r#"
const f = window.__fake = {{ calls: [], methods: {methods}, statuses: {statuses} }};
window.__realFetch = window.__realFetch || window.fetch;
window.fetch = async (req) => {{
  const u = new URL(req.url);
  const p = u.pathname;
  f.calls.push(p + u.search);
  const json = (body, status = 200) => new Response(JSON.stringify(body),
    {{ status, headers: {{ "content-type": "application/json" }} }});
  const exp = new Date(Date.now() + 300000).toISOString();
  if (p.endsWith("/config")) return json({{ client_id: "c", name: "Demo", methods: f.methods }});
  if (p.includes("/magic-link/send") || p.includes("/magic-link/resend"))
    return json({{ state: "st-1", expires_at: exp }});
  if (p.includes("/magic-link/status")) {{
    const s = f.statuses.length > 1 ? f.statuses.shift() : f.statuses[0];
    return json(s === "verified" ? {{ status: s, state: "st-1", code: "ac-1" }} : {{ status: s, state: "st-1" }});
  }}
  if (p.endsWith("/accesstoken"))
    return json({{ access_token: "at-1", token_type: "Bearer", expires_in: 3600, refresh_token: "rt-1" }});
  if (p.endsWith("/auth/status"))
    return json({{ authenticated: true, user: {{ id: "usr_1", email: "a@example.com",
      email_verified: true, created_at: "2026-01-01T00:00:00Z" }}, session: {{ id: "ses_1", expires_at: exp }} }});
  return json({{ error: "not_found", message: "" }}, 404);
}};
"#
    );
    js_sys::Function::new_no_args(&script)
        .call0(&JsValue::NULL)
        .unwrap();
}

fn remove_fake_api() {
    js_sys::Function::new_no_args("if (window.__realFetch) window.fetch = window.__realFetch;")
        .call0(&JsValue::NULL)
        .unwrap();
}

fn fake_calls() -> Vec<String> {
    let window: JsValue = web_sys::window().unwrap().into();
    let fake = js_sys::Reflect::get(&window, &"__fake".into()).unwrap();
    let calls = js_sys::Reflect::get(&fake, &"calls".into()).unwrap();
    js_sys::Array::from(&calls)
        .iter()
        .map(|c| c.as_string().unwrap())
        .collect()
}

/// Mounts the embed against the fake API; returns the container and the login events.
fn mount_fake() -> (HtmlElement, Rc<RefCell<Vec<JsValue>>>) {
    let root = container();
    let events = Rc::new(RefCell::new(Vec::<JsValue>::new()));
    let seen = events.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            seen.borrow_mut().push(e.detail());
        });
    root.add_event_listener_with_callback("ssojet:login", listener.as_ref().unchecked_ref())
        .unwrap();
    listener.forget();
    let options =
        js_sys::JSON::parse(r#"{"clientId": "c", "apiBase": "http://fake.test"}"#).unwrap();
    widget::mount(root.clone(), &options).unwrap();
    (root, events)
}

fn login_email(events: &Rc<RefCell<Vec<JsValue>>>) -> Option<String> {
    let detail = events.borrow().first()?.clone();
    let user = js_sys::Reflect::get(&detail, &"user".into()).ok()?;
    js_sys::Reflect::get(&user, &"email".into())
        .ok()?
        .as_string()
}

#[wasm_bindgen_test]
async fn magic_link_polls_until_opened_then_signs_in() {
    install_fake_api(
        r#"["email_code", "magic_link", "sms_code"]"#,
        r#"["pending", "verified"]"#,
    );
    let (root, events) = mount_fake();
    wait_for("the email step", || has(&root, "magic-link-submit")).await;
    assert!(has(&root, "email-submit"));
    assert!(has(&root, "use-phone"));
    type_into(&find(&root, "email-input"), "a@example.com");
    find::<HtmlButtonElement>(&root, "magic-link-submit").click();

    wait_for("the check-email step", || has(&root, "check-email")).await;
    let check: HtmlElement = find(&root, "check-email");
    assert!(check.text_content().unwrap().contains("a@example.com"));
    let resend: HtmlButtonElement = find(&root, "resend-link");
    assert!(resend.disabled());
    assert!(
        resend
            .text_content()
            .unwrap()
            .starts_with("Resend link in ")
    );
    // The link in flight is remembered for this tab, with its verifier.
    let stored = session().get_item(STORAGE_KEY).unwrap().unwrap();
    let pending = magic_link::matching(Some("st-1"), Some(&stored)).unwrap();

    wait_long("the success step", 1000, || has(&root, "success")).await;
    assert_eq!(login_email(&events).as_deref(), Some("a@example.com"));
    assert_eq!(session().get_item(STORAGE_KEY).unwrap(), None);
    let calls = fake_calls();
    let polls: Vec<_> = calls
        .iter()
        .filter(|c| c.contains("magic-link/status"))
        .collect();
    assert_eq!(polls.len(), 2, "{calls:?}");
    assert!(polls[0].contains(&format!("code_verifier={}", pending.code_verifier)));
    let exchange = calls.iter().find(|c| c.contains("accesstoken")).unwrap();
    assert!(exchange.contains("code=ac-1"));
    assert!(exchange.contains(&format!("code_verifier={}", pending.code_verifier)));
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("/api/v1/auth/status?client_id=c"))
    );
    remove_fake_api();
}

#[wasm_bindgen_test]
async fn cancelling_a_link_stops_polling_and_forgets_it() {
    install_fake_api(r#"["magic_link"]"#, r#"["pending"]"#);
    let (root, _) = mount_fake();
    wait_for("the email step", || has(&root, "magic-link-submit")).await;
    assert!(!has(&root, "email-submit"));
    assert!(!has(&root, "use-phone"));
    type_into(&find(&root, "email-input"), "a@example.com");
    find::<HtmlButtonElement>(&root, "magic-link-submit").click();
    wait_for("the check-email step", || has(&root, "check-email")).await;
    assert!(session().get_item(STORAGE_KEY).unwrap().is_some());
    wait_for("a first poll", || {
        fake_calls().iter().any(|c| c.contains("magic-link/status"))
    })
    .await;

    find::<HtmlButtonElement>(&root, "cancel-link").click();
    settle().await;
    assert!(has(&root, "email-input"));
    assert_eq!(
        find::<HtmlInputElement>(&root, "email-input").value(),
        "a@example.com"
    );
    assert_eq!(session().get_item(STORAGE_KEY).unwrap(), None);
    let polls = || {
        fake_calls()
            .iter()
            .filter(|c| c.contains("magic-link/status"))
            .count()
    };
    let before = polls();
    // Longer than the next poll would have waited (1.5 s).
    let mut waited = 0;
    wait_long("time to pass", 200, || {
        waited += 1;
        waited >= 190
    })
    .await;
    assert_eq!(polls(), before);
    remove_fake_api();
}

#[wasm_bindgen_test]
async fn landing_back_with_the_stored_state_finishes_the_sign_in() {
    install_fake_api(r#"["email_code", "magic_link"]"#, r#"["verified"]"#);
    session().set_item(STORAGE_KEY, STORED).unwrap();
    set_url_search("?state=st-1&keep=1");
    let (root, events) = mount_fake();
    // Straight to the spinner, without the email step in between.
    assert!(has(&root, "finishing"));
    assert!(!has(&root, "email-input"));
    wait_for("the success step", || has(&root, "success")).await;
    assert_eq!(login_email(&events).as_deref(), Some("a@example.com"));
    assert_eq!(session().get_item(STORAGE_KEY).unwrap(), None);
    assert_eq!(
        web_sys::window().unwrap().location().search().unwrap(),
        "?keep=1"
    );
    let calls = fake_calls();
    assert!(
        calls
            .iter()
            .any(|c| c.contains("magic-link/status") && c.contains("code_verifier=verifier-1"))
    );
    set_url_search("");
    remove_fake_api();
}

#[wasm_bindgen_test]
async fn a_foreign_state_in_the_url_is_ignored() {
    install_fake_api(r#"["email_code"]"#, r#"["verified"]"#);
    session().set_item(STORAGE_KEY, STORED).unwrap();
    set_url_search("?state=someone-else");
    let (root, events) = mount_fake();
    wait_for("the email step", || has(&root, "email-input")).await;
    assert!(!has(&root, "finishing"));
    assert!(events.borrow().is_empty());
    assert_eq!(
        session().get_item(STORAGE_KEY).unwrap().as_deref(),
        Some(STORED)
    );
    assert_eq!(
        web_sys::window().unwrap().location().search().unwrap(),
        "?state=someone-else"
    );
    assert!(!fake_calls().iter().any(|c| c.contains("magic-link")));
    set_url_search("");
    magic_link::forget();
    remove_fake_api();
}

#[wasm_bindgen_test]
async fn sms_first_clients_open_on_the_phone_step() {
    install_fake_api(r#"["sms_code", "email_code"]"#, r#"["pending"]"#);
    let (root, _) = mount_fake();
    wait_for("the phone step", || has(&root, "phone-input")).await;
    find::<HtmlButtonElement>(&root, "use-email").click();
    settle().await;
    assert!(has(&root, "email-input"));
    find::<HtmlButtonElement>(&root, "use-phone").click();
    settle().await;
    assert!(has(&root, "country-select"));
    remove_fake_api();
}

#[wasm_bindgen_test]
fn provider_returns_are_read_only_with_their_own_state() {
    use widget::flows::social::{self, Pending, Return};
    let pending = Pending {
        state: "mine".into(),
        code_verifier: "v-1".into(),
    };
    assert_eq!(
        social::parse_return("?code=c-1&state=mine", &pending),
        Some(Return::Code {
            code: "c-1".into(),
            code_verifier: "v-1".into()
        })
    );
    let Some(Return::Error(body)) = social::parse_return(
        "?error=access_denied&error_description=no%20thanks&state=mine",
        &pending,
    ) else {
        panic!("an error return")
    };
    assert_eq!(body.error, ErrorCode::AccessDenied);
    assert_eq!(body.message, "no thanks");
    assert_eq!(
        social::parse_return("?code=c-1&state=other", &pending),
        None
    );
    assert_eq!(social::parse_return("?code=c-1", &pending), None);
    assert_eq!(social::parse_return("?state=mine", &pending), None);
    assert_eq!(
        social::error_code("unverified_email"),
        ErrorCode::UnverifiedEmail
    );
    assert_eq!(social::error_code("from_the_future"), ErrorCode::Unknown);

    // landing: a stored sign-in and a return with another state is refused and forgotten.
    session()
        .set_item(
            social::STORAGE_KEY,
            r#"{"state":"mine","code_verifier":"v-1"}"#,
        )
        .unwrap();
    set_url_search("?code=c-1&state=forged");
    let Some(Return::Error(body)) = social::landing() else {
        panic!("a refused return")
    };
    assert_eq!(body.error, ErrorCode::InvalidState);
    assert_eq!(session().get_item(social::STORAGE_KEY).unwrap(), None);
    // Nothing stored: the page's own query is not ours.
    assert_eq!(social::landing(), None);
    set_url_search("");
}
