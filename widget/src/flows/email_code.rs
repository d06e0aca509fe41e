//! Sign-in with a six-digit code sent by email (or by SMS: the code step is shared).
//!
//! Email step → `magic-otp/send` (with a fresh PKCE challenge) → code step →
//! `email-otp/verify` → `sso/oauth/accesstoken` (with the verifier) → `auth/status` →
//! success step. The steps are separate components so they can be mounted (and tested)
//! alone; [`super::SignInFlow`] strings them together.

use leptos::{ev, html, prelude::*};
use protocol::SignInMethod;
use web_sys::HtmlInputElement;

use super::{SignInFlow, SignedIn};
use crate::{
    api::{Api, ApiError, Channel},
    components::{CheckIcon, ErrorRegion, KeyIcon, MailIcon, PhoneIcon, Spinner, SubmitButton},
    countdown::Countdown,
    i18n::{EN, Texts, fill},
};

/// Length of a code.
pub const CODE_LEN: usize = 6;

/// What the email step offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailOffer {
    /// A code only: one "Continue" button.
    #[default]
    Code,
    /// A magic link only: one "Email me a sign-in link" button.
    Link,
    /// Both: "Email me a code" first, "Email me a sign-in link" second.
    CodeOrLink,
}

/// The email-code flow alone in a card (the configuration is not fetched).
#[component]
pub fn EmailCodeFlow(
    /// The auth API of the client.
    api: Api,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
    /// Called once the person is signed in.
    #[prop(into, optional)]
    on_login: Option<Callback<SignedIn>>,
    /// Called for every failed call to the API.
    #[prop(into, optional)]
    on_error: Option<Callback<ApiError>>,
    /// The resend countdown; a real one-second timer when not given.
    #[prop(optional)]
    countdown: Option<Countdown>,
) -> impl IntoView {
    view! {
        <SignInFlow
            api=api
            texts=texts.unwrap_or(&EN)
            on_login=move |s| {
                if let Some(cb) = on_login {
                    cb.run(s);
                }
            }
            on_error=move |e| {
                if let Some(cb) = on_error {
                    cb.run(e);
                }
            }
            countdown=countdown.unwrap_or_default()
            methods=&[SignInMethod::EmailCode]
        />
    }
}

/// Whether `s` can be an email address (the server has the last word).
pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && s.len() <= 254
        }
        None => false,
    }
}

/// The digits of `s`, at most [`CODE_LEN`] of them.
pub fn code_digits(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_digit)
        .take(CODE_LEN)
        .collect()
}

/// Step one: the email address.
#[component]
pub fn EmailStep(
    /// The address, kept when coming back to this step.
    email: RwSignal<String>,
    /// The error shown under the field.
    error: RwSignal<Option<String>>,
    /// Whether the code is being sent.
    #[prop(into)]
    pending: Signal<bool>,
    /// Called with a plausible, trimmed address to email a code.
    #[prop(into)]
    on_submit: Callback<String>,
    /// What the step offers; a code when not given.
    #[prop(optional)]
    offer: EmailOffer,
    /// Called with a plausible, trimmed address to email a link.
    #[prop(optional, into)]
    on_link: Option<Callback<String>>,
    /// Whether the link is being sent.
    #[prop(optional, into)]
    link_pending: Option<Signal<bool>>,
    /// "Use phone instead", when SMS is offered too.
    #[prop(optional_no_strip)]
    on_use_phone: Option<Callback<()>>,
    /// Move focus to the field on mount (when coming back from the code step).
    #[prop(optional)]
    autofocus: bool,
    /// "Sign in with a passkey": called from the click itself, so the passkey prompt
    /// keeps the person's gesture. Also marks the field for passkey autofill.
    #[prop(optional_no_strip)]
    on_passkey: Option<Callback<()>>,
    /// Whether the passkey button is shown (a ceremony is ready for this page).
    #[prop(optional, into)]
    passkey_shown: Option<Signal<bool>>,
    /// Whether a passkey sign-in is running.
    #[prop(optional, into)]
    passkey_pending: Option<Signal<bool>>,
    /// More ways in, shown under the email buttons (the social provider buttons).
    #[prop(optional)]
    children: Option<Children>,
    /// Whether `children` shows anything (then an "or" divider comes before it).
    #[prop(optional, into)]
    more_shown: Option<Signal<bool>>,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let input_ref = NodeRef::<html::Input>::new();
    // `webauthn` lets the browser offer passkeys in the field's autofill (conditional UI).
    let autocomplete = if on_passkey.is_some() {
        "username webauthn"
    } else {
        "email"
    };
    let passkey_shown = passkey_shown.unwrap_or_else(|| Signal::stored(on_passkey.is_some()));
    let more_shown = more_shown.unwrap_or_else(|| Signal::stored(false));
    let divider = view! {
        <Show when=move || passkey_shown.get() || more_shown.get()>
            <div class="ssojet-divider" aria-hidden="true">
                <span>{t.passkey.or}</span>
            </div>
        </Show>
    };
    let passkey = on_passkey.map(|cb| {
        let pending = passkey_pending.unwrap_or_else(|| Signal::stored(false));
        view! {
            <Show when=move || passkey_shown.get()>
                <button
                    type="button"
                    class="ssojet-button ssojet-button-secondary"
                    data-testid="passkey-button"
                    disabled=move || pending.get()
                    aria-busy=move || if pending.get() { "true" } else { "false" }
                    on:click=move |_| cb.run(())
                >
                    <Show when=move || pending.get() fallback=|| view! { <KeyIcon /> }>
                        <Spinner />
                        <span class="ssojet-sr-only">{t.loading}</span>
                    </Show>
                    <span class="ssojet-button-label">{t.passkey.sign_in}</span>
                </button>
            </Show>
        }
    });
    if autofocus {
        Effect::new(move || {
            if let Some(input) = input_ref.get() {
                _ = input.focus();
            }
        });
    }
    let link_pending = link_pending.unwrap_or_else(|| Signal::stored(false));
    let busy = move || pending.get_untracked() || link_pending.get_untracked();
    // Checks the address, then hands it to `then`.
    let checked = move |then: Option<Callback<String>>| {
        if busy() {
            return;
        }
        let address = email.get_untracked().trim().to_owned();
        if looks_like_email(&address) {
            error.set(None);
            if let Some(then) = then {
                then.run(address);
            }
        } else {
            error.set(Some(t.errors.invalid_email.into()));
            if let Some(input) = input_ref.get_untracked() {
                _ = input.focus();
            }
        }
    };
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        checked(match offer {
            EmailOffer::Link => on_link,
            _ => Some(on_submit),
        });
    };
    let (subtitle, primary, primary_testid, primary_pending) = match offer {
        EmailOffer::Code => (t.subtitle, t.email_submit, "email-submit", pending),
        EmailOffer::Link => (
            t.subtitle_link,
            t.magic_link_submit,
            "magic-link-submit",
            link_pending,
        ),
        EmailOffer::CodeOrLink => (
            t.subtitle_code_or_link,
            t.email_code_submit,
            "email-submit",
            pending,
        ),
    };
    let secondary = (offer == EmailOffer::CodeOrLink).then(|| {
        view! {
            <button
                type="button"
                class="ssojet-button ssojet-button-secondary"
                data-testid="magic-link-submit"
                disabled=move || link_pending.get() || pending.get()
                aria-busy=move || if link_pending.get() { "true" } else { "false" }
                on:click=move |_| checked(on_link)
            >
                <Show when=move || link_pending.get()>
                    <Spinner />
                    <span class="ssojet-sr-only">{t.loading}</span>
                </Show>
                <span class="ssojet-button-label">{t.magic_link_submit}</span>
            </button>
        }
    });
    let switch = on_use_phone.map(|cb| {
        view! {
            <div class="ssojet-row ssojet-row-center">
                <button
                    type="button"
                    class="ssojet-link"
                    data-testid="use-phone"
                    on:click=move |_| cb.run(())
                >
                    {t.use_phone}
                </button>
            </div>
        }
    });
    view! {
        <form class="ssojet-step" novalidate on:submit=submit>
            <div class="ssojet-badge">
                <MailIcon />
            </div>
            <h2 class="ssojet-title">{t.title}</h2>
            <p class="ssojet-subtitle">{subtitle}</p>
            <label class="ssojet-field">
                <span class="ssojet-label">{t.email_label}</span>
                <input
                    node_ref=input_ref
                    class="ssojet-input"
                    type="email"
                    name="email"
                    autocomplete=autocomplete
                    autocapitalize="off"
                    spellcheck="false"
                    required
                    placeholder=t.email_placeholder
                    data-testid="email-input"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))
                />
            </label>
            <ErrorRegion message=error />
            <SubmitButton
                label=primary
                loading_label=t.loading
                testid=primary_testid
                pending=primary_pending
            />
            {secondary}
            {divider}
            {passkey}
            {children.map(|children| children())}
            {switch}
        </form>
    }
}

/// Step two: the six-digit code.
#[component]
pub fn CodeStep(
    /// The digits typed so far; cleared after a wrong code.
    code: RwSignal<String>,
    /// The address (or phone number) the code went to.
    #[prop(into)]
    email: Signal<String>,
    /// The error shown under the field.
    error: RwSignal<Option<String>>,
    /// Whether a new code was sent (changes the line under the title).
    #[prop(into)]
    resent: Signal<bool>,
    /// Whether the code is being checked.
    #[prop(into)]
    pending: Signal<bool>,
    /// Whether a new code is being requested.
    #[prop(into)]
    resend_pending: Signal<bool>,
    /// Seconds before the resend button can be used.
    #[prop(into)]
    resend_left: Signal<u32>,
    /// Called with six digits (on submit, or as soon as six are typed).
    #[prop(into)]
    on_submit: Callback<String>,
    /// Called by the resend button.
    #[prop(into)]
    on_resend: Callback<()>,
    /// Called by "use another email" (or number).
    #[prop(into)]
    on_back: Callback<()>,
    /// Where the code went; email when not given.
    #[prop(optional)]
    channel: Channel,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let sms = channel == Channel::Sms;
    let input_ref = NodeRef::<html::Input>::new();
    // Focus the field on arrival and whenever it is cleared (after a wrong code or a resend).
    Effect::new(move || {
        let empty = code.with(String::is_empty);
        if let (Some(input), true) = (input_ref.get(), empty) {
            _ = input.focus();
        }
    });

    let accept = move |input: &HtmlInputElement, raw: &str| {
        let digits = code_digits(raw);
        if input.value() != digits {
            input.set_value(&digits);
        }
        let complete = digits.len() == CODE_LEN;
        code.set(digits.clone());
        if complete && !pending.get_untracked() {
            error.set(None);
            on_submit.run(digits);
        }
    };
    let on_input = move |ev: ev::Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        accept(&input, &input.value());
    };
    // Handled here so a pasted "123 456" or "123-456" is not cut by maxlength first.
    let on_paste = move |ev: ev::ClipboardEvent| {
        let text = ev
            .clipboard_data()
            .and_then(|data| data.get_data("text").ok())
            .unwrap_or_default();
        if code_digits(&text).is_empty() {
            return;
        }
        ev.prevent_default();
        let input = event_target::<HtmlInputElement>(&ev);
        accept(&input, &text);
    };
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let digits = code.get_untracked();
        if digits.len() == CODE_LEN {
            error.set(None);
            on_submit.run(digits);
        } else {
            error.set(Some(t.errors.code_incomplete.into()));
            if let Some(input) = input_ref.get_untracked() {
                _ = input.focus();
            }
        }
    };
    let subtitle = move || {
        let template = if resent.get() {
            t.code_resent
        } else {
            t.code_subtitle
        };
        email.with(|email| fill(template, email))
    };
    let resend_disabled = move || resend_left.get() != 0 || resend_pending.get();
    let resend_label = move || match resend_left.get() {
        0 => t.resend.to_owned(),
        left => fill(t.resend_in, &left.to_string()),
    };

    view! {
        <form class="ssojet-step" novalidate on:submit=submit>
            <div class="ssojet-badge">
                {if sms { view! { <PhoneIcon /> }.into_any() } else { view! { <MailIcon /> }.into_any() }}
            </div>
            <h2 class="ssojet-title">{if sms { t.sms_code_title } else { t.code_title }}</h2>
            <p class="ssojet-subtitle">{subtitle}</p>
            <label class="ssojet-field">
                <span class="ssojet-label">{t.code_label}</span>
                <input
                    node_ref=input_ref
                    class="ssojet-input ssojet-code"
                    type="text"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9]*"
                    maxlength="6"
                    required
                    placeholder="000000"
                    data-testid="code-input"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    prop:value=move || code.get()
                    on:input=on_input
                    on:paste=on_paste
                />
            </label>
            <ErrorRegion message=error />
            <SubmitButton
                label=t.code_submit
                loading_label=t.loading
                testid="code-submit"
                pending=pending
            />
            <div class="ssojet-row">
                <button
                    type="button"
                    class="ssojet-link"
                    data-testid="back-link"
                    on:click=move |_| on_back.run(())
                >
                    {if sms { t.use_another_phone } else { t.use_another_email }}
                </button>
                <button
                    type="button"
                    class="ssojet-link"
                    data-testid="resend-button"
                    disabled=resend_disabled
                    on:click=move |_| on_resend.run(())
                >
                    {resend_label}
                </button>
            </div>
        </form>
    }
}

/// Step three: signed in.
#[component]
pub fn SuccessStep(
    /// The signed-in address.
    #[prop(into)]
    email: Signal<String>,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    view! {
        <div class="ssojet-step ssojet-success" data-testid="success" tabindex="-1">
            <div class="ssojet-badge ssojet-badge-success">
                <CheckIcon />
            </div>
            <h2 class="ssojet-title">{t.success_title}</h2>
            <p class="ssojet-subtitle">{move || email.with(|email| fill(t.signed_in_as, email))}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digits_are_kept_and_at_most_six() {
        assert_eq!(code_digits("12a3 4-5"), "12345");
        assert_eq!(code_digits("1234567890"), "123456");
        assert_eq!(code_digits("abc"), "");
    }

    #[test]
    fn plausible_addresses() {
        assert!(looks_like_email("a@example.com"));
        assert!(looks_like_email("a@localhost"));
        assert!(!looks_like_email(""));
        assert!(!looks_like_email("a"));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("a@"));
        assert!(!looks_like_email("a@b@c"));
        assert!(!looks_like_email("a b@example.com"));
    }
}
