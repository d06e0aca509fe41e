//! The whole card: fetches the client's enabled methods and strings the steps of the
//! email-code, magic-link and SMS-code flows together. Every flow ends in the same
//! [`super::finish`] and the same success step.

use leptos::{ev, prelude::*, task::spawn_local};
use protocol::{ErrorBody, ErrorCode, MagicLinkStatus, ProviderInfo, SignInMethod, SsoConnection};

use super::{
    CodeStep, EmailOffer, EmailStep, RESEND_AFTER_SECS, SignedIn, SuccessStep, Task, finish,
    magic_link::{self, CheckEmailStep, FinishingStep, Pending},
    passkey::PasskeyPanel,
    phone::{PhoneStep, country_for_locale},
    social::{self, ProviderButtons, Return},
};
use crate::{
    api::{Api, ApiError, Channel},
    components::Card,
    countdown::Countdown,
    i18n::{EN, Texts, fill},
    pkce::{Pkce, random_token},
    webauthn::{self, Ceremony, PasskeyError},
};

/// What the card offers, from the client's enabled methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// The email step and its buttons; `None` when no email method is enabled.
    pub email: Option<EmailOffer>,
    /// Whether the phone step is reachable.
    pub sms: bool,
    /// Whether the card opens on the phone step (SMS listed first, or the only method).
    pub phone_first: bool,
    /// Whether passkeys are offered (button, autofill, and the offer after sign-in).
    pub passkey: bool,
}

/// What to show for `methods` (in the server's order). Nothing usable (an empty list, only
/// unknown methods, or no configuration at all) falls back to the email code.
pub fn offer(methods: &[SignInMethod]) -> Offer {
    let has = |m: SignInMethod| methods.contains(&m);
    let email = match (has(SignInMethod::EmailCode), has(SignInMethod::MagicLink)) {
        (true, true) => Some(EmailOffer::CodeOrLink),
        (true, false) => Some(EmailOffer::Code),
        (false, true) => Some(EmailOffer::Link),
        (false, false) => None,
    };
    let sms = has(SignInMethod::SmsCode);
    let passkey = has(SignInMethod::Passkey);
    if email.is_none() && !sms {
        return Offer {
            email: Some(EmailOffer::Code),
            sms: false,
            phone_first: false,
            passkey,
        };
    }
    let first_known = methods.iter().find(|m| {
        matches!(
            m,
            SignInMethod::EmailCode | SignInMethod::MagicLink | SignInMethod::SmsCode
        )
    });
    Offer {
        email,
        sms,
        phone_first: email.is_none() || first_known == Some(&SignInMethod::SmsCode),
        passkey,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Loading,
    Email,
    Phone,
    Code,
    CheckEmail,
    Finishing,
    /// On the way to a provider or an organization's SSO.
    Redirecting,
    Done,
}

/// A passkey sign-in ready to run: the server's ceremony and the PKCE pair its code is
/// bound to.
#[derive(Debug, Clone)]
struct PasskeyLogin {
    ceremony: Ceremony,
    pkce: Pkce,
}

/// A sent code waiting to be verified: the request handle, the PKCE pair it is bound to,
/// and where it went.
#[derive(Debug, Clone)]
struct Sent {
    state: String,
    pkce: Pkce,
    channel: Channel,
}

fn dead_request() -> ApiError {
    ApiError::Api(ErrorBody {
        error: ErrorCode::InvalidGrant,
        message: String::new(),
        retry_after: None,
    })
}

/// The sign-in card: every method the client enabled.
#[component]
pub fn SignInFlow(
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
    /// The methods to offer; fetched from `GET /config` when not given.
    #[prop(optional)]
    methods: Option<&'static [SignInMethod]>,
    /// A BCP 47 tag choosing the default country of the phone step; the browser's
    /// language when not given.
    #[prop(optional, into)]
    locale: Option<String>,
    /// Social providers sign in in a popup instead of sending this page away (a blocked
    /// popup falls back to the redirect).
    #[prop(optional)]
    popup: bool,
    /// Where providers send the browser back (one of the client's redirect URIs); this
    /// page, without its query, when not given.
    #[prop(optional_no_strip)]
    redirect_uri: Option<String>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let countdown = countdown.unwrap_or_default();
    // In the popup of a provider sign-in, back from the provider: hand over and close.
    if social::hand_back_to_opener() {
        return view! {
            <Card footer=t.secured_by>
                <FinishingStep title=t.finishing testid="finishing" />
            </Card>
        }
        .into_any();
    }
    let oauth_landing = social::landing();
    let landing = magic_link::landing();
    let fetch_config = methods.is_none();
    let api = StoredValue::new(api);
    let offered = RwSignal::new(methods.map(offer));
    let on_phone = RwSignal::new(offered.get_untracked().is_some_and(|o| o.phone_first));
    let entry = move || match offered.get_untracked() {
        None => Step::Loading,
        Some(_) if on_phone.get_untracked() => Step::Phone,
        Some(_) => Step::Email,
    };
    let step = RwSignal::new(if landing.is_some() || oauth_landing.is_some() {
        Step::Finishing
    } else {
        entry()
    });
    let current = Memo::new(move |_| step.get());

    let email = RwSignal::new(String::new());
    let default_country = locale
        .or_else(|| web_sys::window().and_then(|w| w.navigator().language()))
        .map_or("US", |tag| country_for_locale(&tag).iso);
    let country_iso = RwSignal::new(default_country);
    let number = RwSignal::new(String::new());
    // Where the code or link went (shown on the code and check-email steps).
    let target = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let resent = RwSignal::new(false);
    let sent = StoredValue::new(None::<Sent>);
    let code_channel = RwSignal::new(Channel::Email);
    let link = StoredValue::new(landing.clone());
    let link_expired = RwSignal::new(false);
    // Bumped to stop the running poll loop.
    let poll_gen = StoredValue::new(0_u32);
    let signed_in_as = RwSignal::new(String::new());
    // Social providers and SSO: the buttons, whether to look up SSO by email domain, where
    // the browser is going, and a popup sign-in in flight.
    let providers = RwSignal::new(Vec::<ProviderInfo>::new());
    let sso = StoredValue::new(false);
    let going_to = RwSignal::new(String::new());
    let provider_pending = RwSignal::new(None::<String>);
    let popup_sign_in = StoredValue::new(None::<social::Pending>);
    let redirect_uri = StoredValue::new(redirect_uri.unwrap_or_else(social::this_page));
    // The signed-in person's access token and whether a passkey signed them in (for the
    // passkey offer and list after sign-in).
    let session = StoredValue::new(None::<(String, bool)>);
    // Passkeys: a sign-in ceremony fetched ahead of the click, the autofill request in
    // flight (aborted when another method is picked), and the button's busy state.
    let passkey_login = StoredValue::new(None::<PasskeyLogin>);
    let passkey_ready = RwSignal::new(false);
    let passkey_pending = RwSignal::new(false);
    let autofill = StoredValue::new_local(None::<web_sys::AbortController>);
    let via_passkey = StoredValue::new(false);
    let autofill_refused = StoredValue::new(false);
    let focus_entry = RwSignal::new(false);
    let abort_autofill = move || {
        if let Some(Some(controller)) = autofill.try_update_value(Option::take) {
            controller.abort();
        }
    };
    on_cleanup(move || {
        poll_gen.try_update_value(|g| *g += 1);
        abort_autofill();
    });

    // ---- Passkeys ----
    // Fetches a discoverable sign-in ceremony (no email: the authenticator offers its
    // passkeys), so the button's click can call `navigator.credentials.get` at once.
    let prepare_passkey = move || {
        passkey_ready.try_set(false);
        passkey_login.try_set_value(None);
        if !webauthn::supported() {
            return;
        }
        spawn_local(async move {
            let (Ok(pkce), Some(api)) = (Pkce::generate().await, api.try_get_value()) else {
                return;
            };
            let Ok(challenge) = api.passkey_login_start(pkce.challenge()).await else {
                return;
            };
            let ceremony = Ceremony::new(&challenge);
            if !ceremony.usable_here() {
                return;
            }
            passkey_login.try_set_value(Some(PasskeyLogin { ceremony, pkce }));
            passkey_ready.try_set(true);
        });
    };
    if methods.is_some_and(|m| offer(m).passkey) {
        prepare_passkey();
    }

    if fetch_config {
        spawn_local(async move {
            let Some(api) = api.try_get_value() else {
                return;
            };
            let config = api.config().await.ok();
            let methods = config
                .as_ref()
                .map(|c| c.methods.clone())
                .unwrap_or_default();
            if let Some(config) = config {
                sso.try_set_value(config.sso);
                providers.try_set(config.providers);
            }
            let o = offer(&methods);
            if o.passkey {
                prepare_passkey();
            }
            on_phone.try_set(o.phone_first);
            offered.try_set(Some(o));
            if step.try_get_untracked() == Some(Step::Loading) {
                step.try_set(entry());
            }
        });
    }

    let fail = move |err: ApiError| {
        error.try_set(Some(t.error_message(&err)));
        if let Some(on_error) = on_error {
            on_error.try_run(err);
        }
    };
    let stop_polling = move || {
        poll_gen.try_update_value(|g| *g += 1);
    };
    // Drops any request in flight (and the stored link).
    let reset = move || {
        sent.try_set_value(None);
        stop_polling();
        if link.try_update_value(Option::take).flatten().is_some() {
            magic_link::forget();
        }
        link_expired.try_set(false);
        countdown.stop();
        code.try_set(String::new());
        error.try_set(None);
        resent.try_set(false);
    };
    let to_entry = move || {
        reset();
        focus_entry.try_set(true);
        step.try_set(entry());
    };
    // The request is dead: back to where it started, keeping what was typed.
    let restart = move |err: ApiError| {
        to_entry();
        // After the step has mounted, so its live region announces the message.
        request_animation_frame(move || fail(err));
    };
    let done = move |signed_in: SignedIn| {
        reset();
        let shown = signed_in
            .user
            .email
            .clone()
            .unwrap_or_else(|| target.get_untracked());
        signed_in_as.try_set(shown);
        session.try_set_value(Some((
            signed_in.tokens.access_token.clone(),
            via_passkey.get_value(),
        )));
        step.try_set(Step::Done);
        if let Some(on_login) = on_login {
            on_login.try_run(signed_in);
        }
    };
    // The last hop of every method: exchange, read the user, signed in.
    let complete = move |api: Api, auth_code: String, verifier: String| async move {
        match finish(&api, &auth_code, &verifier).await {
            Ok(signed_in) => done(signed_in),
            Err(err) => restart(err),
        }
    };

    // ---- Social providers and SSO ----
    // How a provider sign-in came back (to this page, or through the popup).
    let provider_returned = move |returned: Return| async move {
        let Some(api) = api.try_get_value() else {
            return;
        };
        provider_pending.try_set(None);
        match returned {
            Return::Code {
                code,
                code_verifier,
            } => complete(api, code, code_verifier).await,
            Return::Error(body) => restart(ApiError::Api(body)),
        }
    };
    // Starts a provider sign-in: a fresh PKCE pair and `state`, then the browser goes to
    // the authorize address (in `popup` when there is one).
    let go_to_provider = move |provider: String,
                               login_hint: Option<String>,
                               popup: Option<web_sys::Window>| async move {
        let Some(api) = api.try_get_value() else {
            return;
        };
        let (Ok(pkce), Ok(state)) = (Pkce::generate().await, random_token(16)) else {
            provider_pending.try_set(None);
            return fail(ApiError::Browser);
        };
        let url = redirect_uri.with_value(|redirect_uri| {
            api.authorize_url(
                &provider,
                pkce.challenge(),
                redirect_uri,
                &state,
                login_hint.as_deref(),
            )
        });
        let pending = social::Pending {
            state,
            code_verifier: pkce.verifier().into(),
        };
        match popup {
            Some(popup) => {
                popup_sign_in.try_set_value(Some(pending));
                _ = popup.location().set_href(&url);
                // The person may close the popup instead of finishing.
                while popup_sign_in.try_with_value(Option::is_some) == Some(true) {
                    magic_link::sleep(700).await;
                    if popup.closed().unwrap_or(true) {
                        magic_link::sleep(300).await;
                        if popup_sign_in
                            .try_update_value(Option::take)
                            .flatten()
                            .is_some()
                        {
                            provider_pending.try_set(None);
                        }
                        break;
                    }
                }
            }
            None => {
                social::remember(&pending);
                social::navigate(&url);
            }
        }
    };
    let on_provider = Callback::new(move |provider: ProviderInfo| {
        abort_autofill();
        error.set(None);
        // The popup must open inside the click, before any await.
        let window = popup.then(social::open_popup).flatten();
        if window.is_none() {
            going_to.set(fill(t.social.redirecting, &provider.name));
            step.set(Step::Redirecting);
        }
        provider_pending.set(Some(provider.id.clone()));
        spawn_local(go_to_provider(provider.id, None, window));
    });
    let popup_listener = window_event_listener(ev::message, move |event| {
        let Some(search) = social::popup_message(&event) else {
            return;
        };
        let Some(Some(pending)) = popup_sign_in.try_get_value() else {
            return;
        };
        if let Some(returned) = social::parse_return(&search, &pending) {
            popup_sign_in.try_set_value(None);
            spawn_local(provider_returned(returned));
        }
    });
    on_cleanup(move || popup_listener.remove());
    // Before emailing a code or link: an email whose domain has an SSO connection signs in
    // there instead. Returns whether the browser is on its way.
    let sso_for = move |email: String| async move {
        if !sso.try_get_value().unwrap_or(false) {
            return false;
        }
        let Some(api) = api.try_get_value() else {
            return false;
        };
        let Ok(found) = api.sso_lookup(&email).await else {
            return false;
        };
        let Some(SsoConnection {
            provider,
            organization,
        }) = found.connection
        else {
            return false;
        };
        going_to.try_set(fill(t.social.redirecting, &organization));
        step.try_set(Step::Redirecting);
        go_to_provider(provider, Some(email), None).await;
        true
    };
    if let Some(returned) = oauth_landing {
        spawn_local(async move {
            social::clean_url();
            provider_returned(returned).await;
        });
    }

    // ---- Codes by email or SMS ----
    let sending = Task::new();
    let send = move |channel: Channel, to: String| async move {
        if channel == Channel::Email && sso_for(to.clone()).await {
            return;
        }
        let Ok(pkce) = Pkce::generate().await else {
            return fail(ApiError::Browser);
        };
        let Some(api) = api.try_get_value() else {
            return;
        };
        let result = match channel {
            Channel::Email => api.send_code(&to, pkce.challenge()).await,
            Channel::Sms => api.send_phone_code(&to, pkce.challenge()).await,
        };
        match result {
            Ok(response) => {
                sent.set_value(Some(Sent {
                    state: response.state,
                    pkce,
                    channel,
                }));
                target.set(to);
                code_channel.set(channel);
                code.set(String::new());
                resent.set(false);
                error.set(None);
                countdown.start(RESEND_AFTER_SECS);
                step.set(Step::Code);
            }
            Err(err) => fail(err),
        }
    };

    let resending = Task::new();
    let resend = move || async move {
        let (Some(Some(current)), Some(api)) = (sent.try_get_value(), api.try_get_value()) else {
            return;
        };
        match api.resend_code(current.channel, &current.state).await {
            Ok(response) => {
                sent.set_value(Some(Sent {
                    state: response.state,
                    ..current
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
    };

    let verifying = Task::new();
    let verify = move |otp: String| {
        async move {
            let (Some(Some(current)), Some(api)) = (sent.try_get_value(), api.try_get_value())
            else {
                return;
            };
            match api.verify_code(current.channel, &current.state, &otp).await {
                // The request is used up from here on: any failure means starting again.
                Ok(verified) => {
                    complete(api, verified.code, current.pkce.verifier().into()).await;
                }
                Err(err) if err.restarts_flow() => restart(err),
                Err(err) => {
                    code.set(String::new());
                    fail(err);
                }
            }
        }
    };

    // ---- Magic links ----
    let expire = move || {
        stop_polling();
        if link.try_update_value(Option::take).flatten().is_some() {
            magic_link::forget();
        }
        countdown.stop();
        error.try_set(None);
        link_expired.try_set(true);
    };
    let poll = move |generation: u32| async move {
        let mut attempt = 0;
        loop {
            let Some(Some(pending)) = link.try_get_value() else {
                return;
            };
            let expires_at = magic_link::parse_time(&pending.expires_at);
            let Some(delay) = magic_link::next_poll_delay(attempt, js_sys::Date::now(), expires_at)
            else {
                return expire();
            };
            magic_link::sleep(delay).await;
            let Some(api) = api.try_get_value() else {
                return;
            };
            if poll_gen.try_get_value() != Some(generation) {
                return;
            }
            let status = api
                .magic_link_status(&pending.state, &pending.code_verifier)
                .await;
            if poll_gen.try_get_value() != Some(generation) {
                return;
            }
            match status {
                Ok(status) => match (status.status, status.code) {
                    (MagicLinkStatus::Verified, Some(auth_code)) => {
                        stop_polling();
                        return complete(api, auth_code, pending.code_verifier).await;
                    }
                    (MagicLinkStatus::Expired, _) => return expire(),
                    _ => {}
                },
                // Keep waiting through a flaky network or a rate limit.
                Err(ApiError::Network) => {}
                Err(err) if err.code() == ErrorCode::RateLimited.as_str() => {}
                Err(err) => return restart(err),
            }
            attempt += 1;
        }
    };
    let start_polling = move || {
        let generation = poll_gen
            .try_update_value(|g| {
                *g += 1;
                *g
            })
            .unwrap_or_default();
        spawn_local(poll(generation));
    };

    let sending_link = Task::new();
    let send_link = move |to: String| {
        async move {
            if sso_for(to.clone()).await {
                return;
            }
            let Ok(pkce) = Pkce::generate().await else {
                return fail(ApiError::Browser);
            };
            let Some(api) = api.try_get_value() else {
                return;
            };
            match api.send_magic_link(&to, pkce.challenge()).await {
                Ok(response) => {
                    let pending = Pending {
                        state: response.state,
                        code_verifier: pkce.verifier().into(),
                        expires_at: response.expires_at,
                        email: to.clone(),
                    };
                    // Only now is there a `state` to come back with; the link cannot have
                    // been opened yet.
                    magic_link::remember(&pending);
                    link.set_value(Some(pending));
                    target.set(to);
                    link_expired.set(false);
                    resent.set(false);
                    error.set(None);
                    countdown.start(RESEND_AFTER_SECS);
                    step.set(Step::CheckEmail);
                    start_polling();
                }
                Err(err) => fail(err),
            }
        }
    };

    let resending_link = Task::new();
    let resend_link = move || async move {
        let (Some(Some(current)), Some(api)) = (link.try_get_value(), api.try_get_value()) else {
            return;
        };
        match api.resend_magic_link(&current.state).await {
            Ok(response) => {
                let pending = Pending {
                    state: response.state,
                    expires_at: response.expires_at,
                    ..current
                };
                magic_link::remember(&pending);
                link.set_value(Some(pending));
                error.set(None);
                resent.set(true);
                countdown.start(RESEND_AFTER_SECS);
                start_polling();
            }
            Err(err) if err.restarts_flow() => restart(err),
            Err(err) => {
                if let Some(secs) = err.retry_after() {
                    countdown.start(u32::try_from(secs).unwrap_or(u32::MAX));
                }
                fail(err);
            }
        }
    };

    // The authenticator answered `login`: finish on the server (which uses the ceremony up,
    // whatever the outcome), then the usual exchange.
    let passkey_answered = move |login: PasskeyLogin, answer: Result<String, ApiError>| async move {
        let Some(api) = api.try_get_value() else {
            return;
        };
        let credential = match answer {
            Ok(credential) => credential,
            // Another method was picked: nothing to say.
            Err(ApiError::Passkey(PasskeyError::Aborted)) => return,
            Err(err) => {
                passkey_pending.try_set(false);
                return fail(err);
            }
        };
        passkey_ready.try_set(false);
        passkey_login.try_set_value(None);
        let finished = api
            .passkey_login_finish(&login.ceremony.state, &credential)
            .await;
        passkey_pending.try_set(false);
        match finished {
            Ok(verified) => {
                via_passkey.try_set_value(true);
                complete(api, verified.code, login.pkce.verifier().into()).await;
            }
            Err(err) => {
                prepare_passkey();
                fail(err);
            }
        }
    };
    // Passkey autofill: a conditional request on the email step, while a ceremony is ready.
    let start_autofill = move || {
        let running = autofill.try_with_value(Option::is_some).unwrap_or(true)
            || autofill_refused.try_get_value().unwrap_or(true);
        let Some(Some(login)) = passkey_login.try_get_value() else {
            return;
        };
        if running || !login.ceremony.fresh() {
            return;
        }
        spawn_local(async move {
            if !webauthn::conditional_available().await
                || step.try_get_untracked() != Some(Step::Email)
                || autofill.try_with_value(Option::is_some).unwrap_or(true)
            {
                return;
            }
            let Ok(controller) = web_sys::AbortController::new() else {
                return;
            };
            let pending = login.ceremony.get(true, Some(&controller));
            autofill.try_set_value(Some(controller));
            let answer = pending.credential().await;
            autofill.try_set_value(None);
            match answer {
                Ok(credential) => {
                    passkey_pending.try_set(true);
                    passkey_answered(login, Ok(credential)).await;
                }
                // Aborted because another method was picked: it restarts on the way back.
                Err(ApiError::Passkey(PasskeyError::Aborted)) => {}
                // Autofill refused by the browser (no passkey here, say): nobody asked, so
                // nothing is shown, and it is not tried again on this page.
                Err(_) => {
                    autofill_refused.try_set_value(true);
                }
            }
        });
    };
    Effect::new(move || {
        if current.get() == Step::Email && passkey_ready.get() {
            start_autofill();
        } else {
            abort_autofill();
        }
    });
    // The button: `navigator.credentials.get` runs inside the click's task when a fresh
    // ceremony is ready (the usual case); otherwise after fetching one.
    let on_passkey = Callback::new(move |()| {
        abort_autofill();
        error.set(None);
        passkey_pending.set(true);
        let ready = passkey_login.get_value().filter(|l| l.ceremony.fresh());
        let started = ready.map(|login| {
            let pending = login.ceremony.get(false, None);
            (login, pending)
        });
        spawn_local(async move {
            let (login, pending) = match started {
                Some(started) => started,
                None => {
                    let (Ok(pkce), Some(api)) = (Pkce::generate().await, api.try_get_value())
                    else {
                        passkey_pending.try_set(false);
                        return fail(ApiError::Browser);
                    };
                    match api.passkey_login_start(pkce.challenge()).await {
                        Ok(challenge) => {
                            let ceremony = Ceremony::new(&challenge);
                            let pending = ceremony.get(false, None);
                            (PasskeyLogin { ceremony, pkce }, pending)
                        }
                        Err(err) => {
                            passkey_pending.try_set(false);
                            return fail(err);
                        }
                    }
                }
            };
            let answer = pending.credential().await;
            passkey_answered(login, answer).await;
        });
    });

    // ---- Landing here from a link opened in this browser ----
    if let Some(pending) = landing {
        spawn_local(async move {
            let Some(api) = api.try_get_value() else {
                return;
            };
            target.set(pending.email.clone());
            let mut outcome = Err(dead_request());
            for attempt in 1..=4_u32 {
                match api
                    .magic_link_status(&pending.state, &pending.code_verifier)
                    .await
                {
                    Ok(status) => match (status.status, status.code) {
                        (MagicLinkStatus::Verified, Some(auth_code)) => {
                            outcome = Ok(auth_code);
                            break;
                        }
                        (MagicLinkStatus::Expired, _) => break,
                        _ => magic_link::sleep(500 * attempt).await,
                    },
                    Err(err) => {
                        outcome = Err(err);
                        break;
                    }
                }
            }
            match outcome {
                Ok(auth_code) => complete(api, auth_code, pending.code_verifier).await,
                Err(err) => restart(err),
            }
            magic_link::clean_url();
        });
    }

    // ---- Steps ----
    let on_email = Callback::new(move |address: String| {
        sending.run(send(Channel::Email, address));
    });
    let on_link = Callback::new(move |address: String| {
        sending_link.run(send_link(address));
    });
    let on_phone_number = Callback::new(move |e164: String| {
        sending.run(send(Channel::Sms, e164));
    });
    let on_code = Callback::new(move |otp: String| {
        verifying.run(verify(otp));
    });
    let on_resend = Callback::new(move |()| {
        resending.run(resend());
    });
    let on_resend_link = Callback::new(move |()| {
        resending_link.run(resend_link());
    });
    let on_back = Callback::new(move |()| to_entry());
    let on_use_phone = Callback::new(move |()| {
        on_phone.set(true);
        to_entry();
    });
    let on_use_email = Callback::new(move |()| {
        on_phone.set(false);
        to_entry();
    });

    view! {
        <Card footer=t.secured_by>
            {move || {
                let o = offered.get_untracked();
                match current.get() {
                    Step::Loading => {
                        view! { <FinishingStep title=t.loading testid="loading" /> }.into_any()
                    }
                    Step::Finishing => {
                        view! { <FinishingStep title=t.finishing testid="finishing" /> }
                            .into_any()
                    }
                    Step::Redirecting => {
                        view! { <FinishingStep title=going_to testid="redirecting" /> }
                            .into_any()
                    }
                    Step::Email => {
                        view! {
                            <EmailStep
                                email=email
                                error=error
                                pending=sending.pending()
                                on_submit=on_email
                                offer=o.and_then(|o| o.email).unwrap_or_default()
                                on_link=on_link
                                link_pending=sending_link.pending()
                                on_use_phone=o.filter(|o| o.sms).map(|_| on_use_phone)
                                autofocus=focus_entry.get_untracked()
                                on_passkey=o.filter(|o| o.passkey).map(|_| on_passkey)
                                passkey_shown=passkey_ready
                                passkey_pending=passkey_pending
                                more_shown=Signal::derive(move || providers.with(|p| !p.is_empty()))
                                texts=t
                            >
                                <ProviderButtons
                                    providers=providers.get()
                                    on_select=on_provider
                                    pending=provider_pending
                                    texts=t
                                />
                            </EmailStep>
                        }
                            .into_any()
                    }
                    Step::Phone => {
                        view! {
                            <PhoneStep
                                country_iso=country_iso
                                number=number
                                error=error
                                pending=sending.pending()
                                on_submit=on_phone_number
                                on_use_email=o
                                    .filter(|o| o.email.is_some())
                                    .map(|_| on_use_email)
                                autofocus=focus_entry.get_untracked()
                                texts=t
                            />
                        }
                            .into_any()
                    }
                    Step::Code => {
                        view! {
                            <CodeStep
                                code=code
                                email=target
                                error=error
                                resent=resent
                                pending=verifying.pending()
                                resend_pending=resending.pending()
                                resend_left=countdown.remaining()
                                on_submit=on_code
                                on_resend=on_resend
                                on_back=on_back
                                channel=code_channel.get_untracked()
                                texts=t
                            />
                        }
                            .into_any()
                    }
                    Step::CheckEmail => {
                        view! {
                            <CheckEmailStep
                                email=target
                                expired=link_expired
                                resent=resent
                                error=error
                                resend_pending=resending_link.pending()
                                resend_left=countdown.remaining()
                                on_resend=on_resend_link
                                on_cancel=on_back
                                texts=t
                            />
                        }
                            .into_any()
                    }
                    Step::Done => {
                        let panel = session
                            .get_value()
                            .filter(|_| o.is_some_and(|o| o.passkey))
                            .map(|(access_token, via_passkey)| {
                                view! {
                                    <PasskeyPanel
                                        api=api.get_value()
                                        access_token=access_token
                                        via_passkey=via_passkey
                                        texts=t
                                    />
                                }
                            });
                        view! {
                            <SuccessStep email=signed_in_as texts=t />
                            {panel}
                        }
                            .into_any()
                    }
                }
            }}
        </Card>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignInMethod::{EmailCode, MagicLink, Passkey, SmsCode, Unknown};

    #[test]
    fn methods_choose_the_offer() {
        let o = offer(&[EmailCode, MagicLink, SmsCode]);
        assert_eq!(o.email, Some(EmailOffer::CodeOrLink));
        assert!(o.sms && !o.phone_first && !o.passkey);
        assert_eq!(offer(&[MagicLink]).email, Some(EmailOffer::Link));
        let with_passkey = offer(&[Passkey, EmailCode]);
        assert!(with_passkey.passkey && !with_passkey.phone_first);
        assert_eq!(with_passkey.email, Some(EmailOffer::Code));
        let sms_only = offer(&[SmsCode]);
        assert_eq!(sms_only.email, None);
        assert!(sms_only.phone_first);
        assert!(offer(&[Unknown, SmsCode, EmailCode]).phone_first);
        let fallback = Offer {
            email: Some(EmailOffer::Code),
            sms: false,
            phone_first: false,
            passkey: false,
        };
        assert_eq!(offer(&[]), fallback);
        assert_eq!(offer(&[Unknown]), fallback);
    }
}
