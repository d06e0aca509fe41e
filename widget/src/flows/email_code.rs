//! Sign-in with a six-digit code sent by email.
//!
//! Email step → `magic-otp/send` (with a fresh PKCE challenge) → code step →
//! `email-otp/verify` → `sso/oauth/accesstoken` (with the verifier) → `auth/status` →
//! success step. The steps are separate components so they can be mounted (and tested)
//! alone.

use leptos::{ev, html, prelude::*};
use web_sys::HtmlInputElement;

use super::{RESEND_AFTER_SECS, SignedIn, rfc3339_in};
use crate::{
    api::{Api, ApiError},
    components::{Card, CheckIcon, ErrorRegion, MailIcon, SubmitButton},
    countdown::Countdown,
    i18n::{EN, Texts, fill},
    pkce::Pkce,
};

/// Length of a code.
pub const CODE_LEN: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Email,
    Code,
    Done,
}

/// A sent code waiting to be verified: the request handle and the PKCE pair it is bound to.
#[derive(Debug, Clone)]
struct Sent {
    state: String,
    pkce: Pkce,
}

/// The whole email-code flow in a card.
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
    let t = texts.unwrap_or(&EN);
    let countdown = countdown.unwrap_or_default();
    let api = StoredValue::new(api);
    let step = RwSignal::new(Step::Email);
    let current = Memo::new(move |_| step.get());
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let resent = RwSignal::new(false);
    let sent = StoredValue::new(None::<Sent>);
    let signed_in_email = RwSignal::new(String::new());
    let focus_email = RwSignal::new(false);

    let fail = move |err: ApiError| {
        error.set(Some(t.error_message(&err)));
        if let Some(on_error) = on_error {
            on_error.try_run(err);
        }
    };
    // The request is dead: back to the email step, keeping the address.
    let restart = move |err: ApiError| {
        sent.set_value(None);
        countdown.stop();
        code.set(String::new());
        error.set(None);
        focus_email.set(true);
        step.set(Step::Email);
        // After the email step has mounted, so its live region announces the message.
        request_animation_frame(move || fail(err));
    };

    let send = Action::new_local(move |address: &String| {
        let address = address.clone();
        async move {
            let Ok(pkce) = Pkce::generate().await else {
                return fail(ApiError::Browser);
            };
            let Some(api) = api.try_get_value() else {
                return;
            };
            match api.send_code(&address, pkce.challenge()).await {
                Ok(response) => {
                    sent.set_value(Some(Sent {
                        state: response.state,
                        pkce,
                    }));
                    code.set(String::new());
                    resent.set(false);
                    error.set(None);
                    countdown.start(RESEND_AFTER_SECS);
                    step.set(Step::Code);
                }
                Err(err) => fail(err),
            }
        }
    });

    let resend = Action::new_local(move |_: &()| async move {
        let (Some(Some(current)), Some(api)) = (sent.try_get_value(), api.try_get_value()) else {
            return;
        };
        match api.resend_code(&current.state).await {
            Ok(response) => {
                sent.set_value(Some(Sent {
                    state: response.state,
                    pkce: current.pkce,
                }));
                code.set(String::new());
                error.set(None);
                resent.set(true);
                countdown.start(RESEND_AFTER_SECS);
            }
            Err(err) if err.restarts_flow() => restart(err),
            Err(err) => {
                if let Some(secs) = err.retry_after() {
                    countdown.start(u32::try_from(secs).unwrap_or(u32::MAX));
                }
                fail(err);
            }
        }
    });

    let verify = Action::new_local(move |otp: &String| {
        let otp = otp.clone();
        async move {
            let (Some(Some(current)), Some(api)) = (sent.try_get_value(), api.try_get_value())
            else {
                return;
            };
            let verified = match api.verify_code(&current.state, &otp).await {
                Ok(verified) => verified,
                Err(err) if err.restarts_flow() => return restart(err),
                Err(err) => {
                    code.set(String::new());
                    return fail(err);
                }
            };
            // The request is used up from here on: any failure means starting again.
            match finish(&api, &verified.code, current.pkce.verifier()).await {
                Ok(signed_in) => {
                    sent.set_value(None);
                    countdown.stop();
                    error.set(None);
                    signed_in_email.set(signed_in.user.email.clone().unwrap_or_default());
                    step.set(Step::Done);
                    if let Some(on_login) = on_login {
                        on_login.try_run(signed_in);
                    }
                }
                Err(err) => restart(err),
            }
        }
    });

    let on_email = Callback::new(move |address: String| {
        send.dispatch_local(address);
    });
    let on_code = Callback::new(move |otp: String| {
        verify.dispatch_local(otp);
    });
    let on_resend = Callback::new(move |()| {
        resend.dispatch_local(());
    });
    let on_back = Callback::new(move |()| {
        sent.set_value(None);
        countdown.stop();
        code.set(String::new());
        error.set(None);
        focus_email.set(true);
        step.set(Step::Email);
    });

    view! {
        <Card footer=t.secured_by>
            {move || match current.get() {
                Step::Email => {
                    view! {
                        <EmailStep
                            email=email
                            error=error
                            pending=send.pending()
                            on_submit=on_email
                            autofocus=focus_email.get_untracked()
                            texts=t
                        />
                    }
                        .into_any()
                }
                Step::Code => {
                    view! {
                        <CodeStep
                            code=code
                            email=email
                            error=error
                            resent=resent
                            pending=verify.pending()
                            resend_pending=resend.pending()
                            resend_left=countdown.remaining()
                            on_submit=on_code
                            on_resend=on_resend
                            on_back=on_back
                            texts=t
                        />
                    }
                        .into_any()
                }
                Step::Done => view! { <SuccessStep email=signed_in_email texts=t /> }.into_any(),
            }}
        </Card>
    }
}

/// Exchanges the authorization code and reads the user.
async fn finish(api: &Api, code: &str, verifier: &str) -> Result<SignedIn, ApiError> {
    let tokens = api.exchange(code, verifier).await?;
    let status = api.status(&tokens.access_token).await?;
    let expires_at = rfc3339_in(tokens.expires_in);
    Ok(SignedIn {
        tokens,
        expires_at,
        user: status.user,
    })
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
    /// Called with a plausible, trimmed address.
    #[prop(into)]
    on_submit: Callback<String>,
    /// Move focus to the field on mount (when coming back from the code step).
    #[prop(optional)]
    autofocus: bool,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let input_ref = NodeRef::<html::Input>::new();
    if autofocus {
        Effect::new(move || {
            if let Some(input) = input_ref.get() {
                _ = input.focus();
            }
        });
    }
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let address = email.get_untracked().trim().to_owned();
        if looks_like_email(&address) {
            error.set(None);
            on_submit.run(address);
        } else {
            error.set(Some(t.errors.invalid_email.into()));
            if let Some(input) = input_ref.get_untracked() {
                _ = input.focus();
            }
        }
    };
    view! {
        <form class="ssojet-step" novalidate on:submit=submit>
            <div class="ssojet-badge">
                <MailIcon />
            </div>
            <h2 class="ssojet-title">{t.title}</h2>
            <p class="ssojet-subtitle">{t.subtitle}</p>
            <label class="ssojet-field">
                <span class="ssojet-label">{t.email_label}</span>
                <input
                    node_ref=input_ref
                    class="ssojet-input"
                    type="email"
                    name="email"
                    autocomplete="email"
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
                label=t.email_submit
                loading_label=t.loading
                testid="email-submit"
                pending=pending
            />
        </form>
    }
}

/// Step two: the six-digit code.
#[component]
pub fn CodeStep(
    /// The digits typed so far; cleared after a wrong code.
    code: RwSignal<String>,
    /// The address the code went to.
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
    /// Called by "use another email".
    #[prop(into)]
    on_back: Callback<()>,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
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
                <MailIcon />
            </div>
            <h2 class="ssojet-title">{t.code_title}</h2>
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
                    {t.use_another_email}
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
