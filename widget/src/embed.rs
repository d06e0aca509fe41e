//! The JavaScript-facing entry point, used by the `ssojet.js` loader.
//!
//! `mount(element, {clientId, apiBase?, locale?, onLogin?, onError?})` renders the widget
//! into `element` (light DOM). Results are dispatched on `element` as `ssojet:login`
//! (`detail = {access_token, expires_at, user}`) and `ssojet:error`
//! (`detail = {error, message}`) events with `bubbles` and `composed`, and passed to the
//! optional callbacks.

use js_sys::Function;
use leptos::prelude::*;
use protocol::User;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::{
    api::{Api, ApiError},
    flows::{SignInFlow, SignedIn},
    i18n::{Locale, Texts},
};

/// Name of the event dispatched after a sign-in.
pub const LOGIN_EVENT: &str = "ssojet:login";
/// Name of the event dispatched after a failed call.
pub const ERROR_EVENT: &str = "ssojet:error";

/// Renders the widget into `element`.
///
/// `options` is a JS object: `clientId` (required, non-empty string), `apiBase` (origin of
/// the auth API; default: this page's origin), `locale` (BCP 47 tag; default English),
/// `popup` (social providers sign in in a popup instead of a full-page redirect),
/// `redirectUri` (where providers send the browser back, one of the client's redirect
/// URIs; default: this page without its query), `onLogin(detail)` and `onError(detail)`
/// (optional functions).
///
/// # Errors
///
/// A `TypeError` when `options` is not an object, `clientId` is missing or empty, or a
/// callback is not a function.
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: &JsValue) -> Result<(), JsValue> {
    let options = Options::from_js(options)?;
    let mut api = Api::new(&options.api_base, &options.client_id);
    if let Some(tag) = &options.locale_tag {
        api = api.with_locale(tag);
    }
    let texts = options.locale.texts();
    let locale_tag = options.locale_tag.clone();
    let (popup, redirect_uri) = (options.popup, options.redirect_uri.clone());
    let hooks = Hooks {
        element: element.clone(),
        on_login: options.on_login,
        on_error: options.on_error,
    };
    let handle = leptos::mount::mount_to(element, move || {
        let hooks = StoredValue::new_local(hooks);
        let on_login = Callback::new(move |signed_in: SignedIn| {
            hooks.try_with_value(|hooks| hooks.login(&signed_in));
        });
        let on_error = Callback::new(move |err: ApiError| {
            hooks.try_with_value(|hooks| hooks.error(&err, texts));
        });
        match locale_tag {
            Some(tag) => view! {
                <SignInFlow
                    api=api
                    texts=texts
                    on_login=on_login
                    on_error=on_error
                    locale=tag
                    popup=popup
                    redirect_uri=redirect_uri
                />
            }
            .into_any(),
            None => view! {
                <SignInFlow
                    api=api
                    texts=texts
                    on_login=on_login
                    on_error=on_error
                    popup=popup
                    redirect_uri=redirect_uri
                />
            }
            .into_any(),
        }
    });
    // The widget lives as long as the page.
    handle.forget();
    Ok(())
}

#[derive(Debug)]
struct Options {
    client_id: String,
    api_base: String,
    locale: Locale,
    locale_tag: Option<String>,
    popup: bool,
    redirect_uri: Option<String>,
    on_login: Option<Function>,
    on_error: Option<Function>,
}

impl Options {
    fn from_js(options: &JsValue) -> Result<Self, JsValue> {
        if !options.is_object() {
            return Err(type_error(
                "SSOJet.mount(element, options): options must be an object such as {clientId: \"your-client-id\"}",
            ));
        }
        let client_id = non_empty(&get(options, "clientId")).ok_or_else(|| {
            type_error(
                "SSOJet.mount: options.clientId is missing or empty; pass the client id of your application",
            )
        })?;
        let api_base = match non_empty(&get(options, "apiBase")) {
            Some(base) => base,
            None => web_sys::window()
                .and_then(|window| window.location().origin().ok())
                .unwrap_or_default(),
        };
        let locale_tag = non_empty(&get(options, "locale"));
        let locale = locale_tag
            .as_deref()
            .map(Locale::from_tag)
            .unwrap_or_default();
        Ok(Self {
            client_id,
            api_base,
            locale,
            locale_tag,
            popup: get(options, "popup").is_truthy(),
            redirect_uri: non_empty(&get(options, "redirectUri")),
            on_login: function(options, "onLogin")?,
            on_error: function(options, "onError")?,
        })
    }
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn non_empty(value: &JsValue) -> Option<String> {
    value
        .as_string()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn function(object: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let value = get(object, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.dyn_into().map(Some).map_err(|_| {
        let mut message = String::from("SSOJet.mount: options.");
        message.push_str(key);
        message.push_str(" must be a function");
        type_error(&message)
    })
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// Where results go: events on the container, and the page's callbacks.
struct Hooks {
    element: HtmlElement,
    on_login: Option<Function>,
    on_error: Option<Function>,
}

#[derive(Serialize)]
struct LoginDetail<'a> {
    access_token: &'a str,
    expires_at: &'a str,
    user: &'a User,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    error: &'a str,
    message: &'a str,
}

impl Hooks {
    fn login(&self, signed_in: &SignedIn) {
        let detail = to_js(&LoginDetail {
            access_token: &signed_in.tokens.access_token,
            expires_at: &signed_in.expires_at,
            user: &signed_in.user,
        });
        self.emit(LOGIN_EVENT, &detail, self.on_login.as_ref());
    }

    fn error(&self, err: &ApiError, texts: &Texts) {
        let message = texts.error_message(err);
        let detail = to_js(&ErrorDetail {
            error: err.code(),
            message: &message,
        });
        self.emit(ERROR_EVENT, &detail, self.on_error.as_ref());
    }

    fn emit(&self, name: &str, detail: &JsValue, callback: Option<&Function>) {
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
            _ = self.element.dispatch_event(&event);
        }
        if let Some(callback) = callback {
            // A throwing page callback must not break the widget.
            _ = callback.call1(&JsValue::UNDEFINED, detail);
        }
    }
}

/// A plain JS object from a serializable value (through JSON, which the types already
/// speak; keeps serde-wasm-bindgen out of the binary).
fn to_js<T: Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL)
}
