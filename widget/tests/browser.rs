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
    flows::CodeStep,
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
async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
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
    settle().await;

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
