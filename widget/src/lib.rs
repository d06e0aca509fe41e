//! The SSOJet login widget: a Leptos (client-side rendered) component compiled to
//! WebAssembly, embedded with one script tag.
//!
//! # Embedding
//!
//! ```html
//! <div id="ssojet-login"></div>
//! <script src="https://AUTH_HOST/widget/ssojet.js" data-client-id="YOUR_CLIENT_ID" async></script>
//! <script>
//!   document.addEventListener("ssojet:login", (e) => console.log(e.detail.user));
//! </script>
//! ```
//!
//! The loader (`ssojet.js`) fetches `widget.js` and `widget_bg.wasm` from beside itself and
//! calls [`mount`]. Pages can also call `SSOJet.mount(element, {clientId})` or use the
//! custom element `<ssojet-login client-id="...">`.
//!
//! # In a Leptos app
//!
//! ```no_run
//! use leptos::prelude::*;
//! use widget::{api::Api, flows::{SignInFlow, SignedIn}};
//!
//! #[component]
//! fn Login() -> impl IntoView {
//!     let api = Api::new("https://auth.example.com", "my-client-id");
//!     // The methods come from the client's `GET /config`.
//!     view! { <SignInFlow api=api on_login=move |s: SignedIn| leptos::logging::log!("{:?}", s.user) /> }
//! }
//! ```
//!
//! # Security
//!
//! - Every sign-in carries a PKCE (`S256`) challenge made with WebCrypto; the verifier never
//!   leaves this browser except in the code exchange, so a stolen `state` or code is useless.
//! - Tokens are kept in memory only and handed to the page through the `ssojet:login` event;
//!   the widget never stores them, and sets no cookies. `sessionStorage` holds only a sign-in
//!   in flight while the browser is away from the page: a magic link (`ssojet:magic-link`) or
//!   a social/SSO redirect (`ssojet:oauth`), each its `state` and PKCE verifier, removed when
//!   it finishes, is cancelled or expires. `localStorage` holds only the fact that this device
//!   declined the passkey offer (`ssojet:passkey-offer-declined:<client>`).
//! - Passkeys run where the page's host is the server's relying party id (or below it); the
//!   WebAuthn calls happen in the click's own task (see `webauthn.js`).
//! - No HTML is built from strings, so the widget runs under a strict
//!   Content-Security-Policy (`script-src 'self' 'wasm-unsafe-eval'`).

pub mod api;
pub mod components;
pub mod countdown;
pub mod embed;
pub mod flows;
pub mod i18n;
pub mod pkce;
pub mod webauthn;

pub use embed::mount;
