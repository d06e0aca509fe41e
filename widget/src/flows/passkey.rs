//! Passkeys for a signed-in person: the offer to add one after another method succeeded
//! ([`PasskeyPanel`]) and the list of their passkeys with rename and delete
//! ([`PasskeyList`]). The sign-in with a passkey lives in [`super::SignInFlow`].
//!
//! Registration options are fetched before the person clicks, so the click calls
//! `navigator.credentials.create` in its own task (Safari drops the gesture across awaits).

use leptos::{prelude::*, task::spawn_local};
use protocol::PasskeyCredential;

/// A boxed future on this thread.
type LocalFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

use crate::{
    api::{Api, ApiError},
    components::{ErrorRegion, KeyIcon, Spinner},
    i18n::{EN, Texts, fill},
    webauthn::{self, Ceremony, PasskeyError},
};

/// The `localStorage` key remembering that this device declined the offer for a client.
fn declined_key(client_id: &str) -> String {
    let mut key = String::from("ssojet:passkey-offer-declined:");
    key.push_str(client_id);
    key
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether this device declined the passkey offer for `client_id`.
pub fn offer_declined(client_id: &str) -> bool {
    local_storage()
        .and_then(|s| s.get_item(&declined_key(client_id)).ok().flatten())
        .is_some()
}

fn decline_offer(client_id: &str) {
    if let Some(storage) = local_storage() {
        _ = storage.set_item(&declined_key(client_id), "1");
    }
}

/// A registration ceremony fetched ahead of the click; `None` while loading or when this
/// page cannot register passkeys.
#[derive(Clone, Copy)]
struct Registration {
    ceremony: RwSignal<Option<Ceremony>>,
    api: StoredValue<Api>,
    token: StoredValue<String>,
}

impl Registration {
    /// Nothing is fetched until [`Self::prefetch`].
    fn new(api: Api, token: String) -> Self {
        Self {
            ceremony: RwSignal::new(None),
            api: StoredValue::new(api),
            token: StoredValue::new(token),
        }
    }

    fn prefetch(self) {
        spawn_local(async move {
            let (Some(api), Some(token)) = (self.api.try_get_value(), self.token.try_get_value())
            else {
                return;
            };
            if let Ok(challenge) = api.passkey_register_start(&token).await {
                let ceremony = Ceremony::new(&challenge);
                if ceremony.usable_here() {
                    self.ceremony.try_set(Some(ceremony));
                }
            }
        });
    }

    /// Runs from the click: `navigator.credentials.create` at once when the options are
    /// fresh (otherwise after fetching new ones), then the finish. After a failure a new
    /// ceremony is fetched for the next try.
    fn register(
        self,
        busy: RwSignal<bool>,
        done: impl FnOnce(Result<PasskeyCredential, ApiError>) + 'static,
    ) {
        let ready = self.ceremony.get_untracked().filter(Ceremony::fresh);
        self.ceremony.set(None);
        let started = ready.map(|c| {
            let pending = c.create();
            (c, pending)
        });
        busy.set(true);
        spawn_local(async move {
            let (Some(api), Some(token)) = (self.api.try_get_value(), self.token.try_get_value())
            else {
                return;
            };
            let (ceremony, pending) = match started {
                Some(started) => started,
                None => match api.passkey_register_start(&token).await {
                    Ok(challenge) => {
                        let c = Ceremony::new(&challenge);
                        let pending = c.create();
                        (c, pending)
                    }
                    Err(err) => {
                        busy.try_set(false);
                        return done(Err(err));
                    }
                },
            };
            let result = match pending.credential().await {
                Ok(json) => {
                    api.passkey_register_finish(&token, &ceremony.state, &json)
                        .await
                }
                Err(err) => Err(err),
            };
            busy.try_set(false);
            if result.is_err() {
                self.prefetch();
            }
            done(result);
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    /// Nothing to show (passkeys off, unsupported, or still loading).
    Hidden,
    /// "Sign in faster next time": add or not now.
    Offer,
    /// A "Manage passkeys" link.
    Closed,
    /// The list.
    Open,
}

/// Below the success step: the offer to add a passkey (when the person has none, did not
/// sign in with one and did not decline it on this device), then their passkey list.
#[component]
pub fn PasskeyPanel(
    /// The auth API.
    api: Api,
    /// The signed-in person's access token.
    access_token: String,
    /// Whether the sign-in used a passkey (then there is nothing to offer).
    via_passkey: bool,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let panel = RwSignal::new(Panel::Hidden);
    let error = RwSignal::new(None::<String>);
    let added = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // Bumped to reload the list.
    let reload = RwSignal::new(0_u32);
    let client_id = StoredValue::new(api.client_id().to_owned());
    let registration = Registration::new(api.clone(), access_token.clone());
    if webauthn::supported() {
        let (api, token) = (api.clone(), access_token.clone());
        spawn_local(async move {
            let Ok(status) = api.passkey_status(&token).await else {
                return;
            };
            if !status.enabled {
                return;
            }
            let offer = status.count == 0
                && !via_passkey
                && !client_id
                    .try_with_value(|id| offer_declined(id))
                    .unwrap_or(true);
            if offer {
                registration.prefetch();
            }
            panel.try_set(if offer { Panel::Offer } else { Panel::Closed });
        });
    }
    let t2 = t;
    let on_registered = move |result: Result<PasskeyCredential, ApiError>| match result {
        Ok(_) => {
            error.try_set(None);
            added.try_set(true);
            reload.try_update(|n| *n += 1);
            panel.try_set(Panel::Open);
        }
        Err(ApiError::Passkey(PasskeyError::Aborted)) => {}
        Err(err) => {
            error.try_set(Some(t2.error_message(&err)));
        }
    };
    let add = move |_| registration.register(busy, on_registered);
    let skip = move |_| {
        client_id.with_value(|id| decline_offer(id));
        error.set(None);
        panel.set(Panel::Closed);
    };
    let (list_api, list_token) = (StoredValue::new(api), StoredValue::new(access_token));
    move || {
        match panel.get() {
        Panel::Hidden => ().into_any(),
        Panel::Offer => view! {
            <div class="ssojet-passkey-offer" data-testid="passkey-offer">
                <div class="ssojet-passkey-offer-head">
                    <KeyIcon />
                    <div>
                        <h3 class="ssojet-subtitle-strong">{t.passkey.offer_title}</h3>
                        <p class="ssojet-hint">{t.passkey.offer_body}</p>
                    </div>
                </div>
                <ErrorRegion message=error />
                <button
                    type="button"
                    class="ssojet-button ssojet-button-primary"
                    data-testid="passkey-add"
                    disabled=move || busy.get()
                    aria-busy=move || if busy.get() { "true" } else { "false" }
                    on:click=add
                >
                    <Show when=move || busy.get()>
                        <Spinner />
                    </Show>
                    <span class="ssojet-button-label">{t.passkey.add}</span>
                </button>
                <div class="ssojet-row ssojet-row-center">
                    <button type="button" class="ssojet-link" data-testid="passkey-skip" on:click=skip>
                        {t.passkey.not_now}
                    </button>
                </div>
            </div>
        }
        .into_any(),
        Panel::Closed => view! {
            <div class="ssojet-row ssojet-row-center">
                <button
                    type="button"
                    class="ssojet-link"
                    data-testid="passkey-manage"
                    on:click=move |_| panel.set(Panel::Open)
                >
                    {t.passkey.manage}
                </button>
            </div>
        }
        .into_any(),
        Panel::Open => view! {
            <Show when=move || added.get()>
                <p class="ssojet-notice" role="status" data-testid="passkey-added">
                    {t.passkey.added}
                </p>
            </Show>
            <PasskeyList
                api=list_api.get_value()
                access_token=list_token.get_value()
                reload=reload
                texts=t
            />
        }
        .into_any(),
    }
    }
}

/// A cancel link and a confirming one (rename's save, delete's confirmation). Without
/// `on_confirm` the confirming link submits the surrounding form; with it, the action is
/// destructive (delete) and shows in the danger colour.
#[component]
fn CancelOrConfirm(
    cancel: &'static str,
    #[prop(into)] on_cancel: Callback<()>,
    confirm: &'static str,
    testid: &'static str,
    busy: RwSignal<bool>,
    #[prop(optional)] on_confirm: Option<Callback<()>>,
) -> impl IntoView {
    let (kind, danger) = if on_confirm.is_some() {
        ("button", true)
    } else {
        ("submit", false)
    };
    view! {
        <div class="ssojet-row ssojet-passkey-actions">
            <button type="button" class="ssojet-link" on:click=move |_| on_cancel.run(())>
                {cancel}
            </button>
            <button
                type=kind
                class="ssojet-link"
                class:ssojet-link-danger=danger
                data-testid=testid
                disabled=move || busy.get()
                on:click=move |_| {
                    if let Some(confirm) = on_confirm {
                        confirm.run(());
                    }
                }
            >
                {confirm}
            </button>
        </div>
    }
}

/// The signed-in person's passkeys: name, when added and last used, rename, delete, and a
/// button to add another.
#[component]
pub fn PasskeyList(
    /// The auth API.
    api: Api,
    /// The signed-in person's access token.
    access_token: String,
    /// Changing it reloads the list.
    #[prop(optional, into)]
    reload: Option<Signal<u32>>,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let passkeys = RwSignal::new(None::<Vec<PasskeyCredential>>);
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(None::<String>);
    let new_name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let local_reload = RwSignal::new(0_u32);
    let registration = Registration::new(api.clone(), access_token.clone());
    registration.prefetch();
    let api = StoredValue::new(api);
    let token = StoredValue::new(access_token);
    let fail = move |err: ApiError| {
        if err != ApiError::Passkey(PasskeyError::Aborted) {
            error.try_set(Some(t.error_message(&err)));
        }
    };
    Effect::new(move || {
        if let Some(reload) = reload {
            reload.track();
        }
        local_reload.track();
        spawn_local(async move {
            let (Some(api), Some(token)) = (api.try_get_value(), token.try_get_value()) else {
                return;
            };
            match api.passkeys(&token).await {
                Ok(list) => {
                    passkeys.try_set(Some(list.credentials));
                }
                Err(err) => fail(err),
            }
        });
    });
    // Runs a change, then reloads the list on success.
    let act = move |change: LocalFuture<Result<(), ApiError>>| {
        busy.set(true);
        spawn_local(async move {
            let result = change.await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    error.try_set(None);
                    editing.try_set(None);
                    deleting.try_set(None);
                    local_reload.try_update(|n| *n += 1);
                }
                Err(err) => fail(err),
            }
        });
    };
    let save = move |id: String| {
        let name = new_name.get_untracked().trim().to_owned();
        if name.is_empty() {
            return;
        }
        let (api, token) = (api.get_value(), token.get_value());
        act(Box::pin(async move {
            api.rename_passkey(&token, &id, &name).await.map(drop)
        }));
    };
    let delete = move |id: String| {
        let (api, token) = (api.get_value(), token.get_value());
        act(Box::pin(
            async move { api.delete_passkey(&token, &id).await },
        ));
    };
    let add = move |_| {
        registration.register(busy, move |result| match result {
            Ok(_) => {
                error.try_set(None);
                local_reload.try_update(|n| *n += 1);
                registration.prefetch();
            }
            Err(err) => fail(err),
        });
    };
    let locale = StoredValue::new(
        web_sys::window()
            .and_then(|w| w.navigator().language())
            .unwrap_or_else(|| "en".into()),
    );
    let date = move |rfc3339: &str| -> String {
        let date = js_sys::Date::new(&rfc3339.into());
        locale.with_value(|locale| {
            date.to_locale_date_string(locale, &wasm_bindgen::JsValue::UNDEFINED)
                .into()
        })
    };
    let row = move |p: PasskeyCredential| {
        let mut meta = fill(t.passkey.created, &date(&p.created_at));
        if let Some(used) = &p.last_used_at {
            meta.push_str(" · ");
            meta.push_str(&fill(t.passkey.last_used, &date(used)));
        }
        // Copy handles, so every closure below can hold them.
        let id = StoredValue::new(p.id);
        let name = StoredValue::new(p.name);
        let meta = StoredValue::new(meta);
        let is = move |which: RwSignal<Option<String>>| {
            which.with(|e| id.with_value(|id| e.as_deref() == Some(id.as_str())))
        };
        view! {
            <li class="ssojet-passkey" data-testid="passkey-item">
                <Show
                    when=move || is(editing)
                    fallback=move || {
                        view! {
                            <div class="ssojet-passkey-main">
                                <KeyIcon />
                                <div class="ssojet-passkey-text">
                                    <span class="ssojet-passkey-name" data-testid="passkey-name">
                                        {name.get_value()}
                                    </span>
                                    <span class="ssojet-hint">{meta.get_value()}</span>
                                </div>
                            </div>
                            <div class="ssojet-row ssojet-passkey-actions">
                                <button
                                    type="button"
                                    class="ssojet-link"
                                    data-testid="passkey-rename"
                                    on:click=move |_| {
                                        new_name.set(name.get_value());
                                        deleting.set(None);
                                        editing.set(Some(id.get_value()));
                                    }
                                >
                                    {t.passkey.rename}
                                </button>
                                <button
                                    type="button"
                                    class="ssojet-link ssojet-link-danger"
                                    data-testid="passkey-delete"
                                    on:click=move |_| {
                                        editing.set(None);
                                        deleting.set(Some(id.get_value()));
                                    }
                                >
                                    {t.passkey.delete}
                                </button>
                            </div>
                        }
                    }
                >
                    <form
                        class="ssojet-passkey-rename"
                        on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            save(id.get_value());
                        }
                    >
                        <label class="ssojet-field">
                            <span class="ssojet-label">{t.passkey.name_label}</span>
                            <input
                                class="ssojet-input"
                                maxlength="64"
                                data-testid="passkey-name-input"
                                prop:value=move || new_name.get()
                                on:input=move |ev| new_name.set(event_target_value(&ev))
                            />
                        </label>
                        <CancelOrConfirm
                            cancel=t.passkey.cancel
                            on_cancel=move || editing.set(None)
                            confirm=t.passkey.save
                            testid="passkey-save"
                            busy=busy
                        />
                    </form>
                </Show>
                <Show when=move || is(deleting)>
                    {
                        view! {
                            <div class="ssojet-passkey-confirm" role="alertdialog">
                                <p class="ssojet-hint">{t.passkey.confirm_delete}</p>
                                <CancelOrConfirm
                                    cancel=t.passkey.cancel
                                    on_cancel=move || deleting.set(None)
                                    confirm=t.passkey.delete
                                    testid="passkey-confirm-delete"
                                    busy=busy
                                    on_confirm=Callback::new(move |()| delete(id.get_value()))
                                />
                            </div>
                        }
                    }
                </Show>
            </li>
        }
    };
    view! {
        <section class="ssojet-passkeys" data-testid="passkey-list" aria-busy=move || busy.get().to_string()>
            <h3 class="ssojet-subtitle-strong">{t.passkey.list_title}</h3>
            {move || match passkeys.get() {
                None => view! { <Spinner /> }.into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="ssojet-hint">{t.passkey.list_empty}</p> }.into_any()
                }
                Some(list) => {
                    view! { <ul class="ssojet-passkey-list">{list.into_iter().map(row).collect_view()}</ul> }
                        .into_any()
                }
            }}
            <ErrorRegion message=error />
            <Show when=move || registration.ceremony.with(Option::is_some)>
                <button
                    type="button"
                    class="ssojet-button ssojet-button-secondary"
                    data-testid="passkey-add-another"
                    disabled=move || busy.get()
                    on:click=add
                >
                    <span class="ssojet-button-label">{t.passkey.add}</span>
                </button>
            </Show>
        </section>
    }
}
