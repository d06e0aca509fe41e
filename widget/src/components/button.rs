use leptos::prelude::*;

use super::Spinner;

/// The primary button of a step: disabled with a spinner while `pending`.
#[component]
pub fn SubmitButton(
    /// The button text.
    label: &'static str,
    /// Text read to screen readers while waiting.
    loading_label: &'static str,
    /// The `data-testid` of the button.
    testid: &'static str,
    /// Whether the step is waiting for the server.
    #[prop(into)]
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="ssojet-button ssojet-button-primary"
            data-testid=testid
            disabled=move || pending.get()
            aria-busy=move || if pending.get() { "true" } else { "false" }
        >
            <Show when=move || pending.get()>
                <Spinner />
                <span class="ssojet-sr-only">{loading_label}</span>
            </Show>
            <span class="ssojet-button-label">{label}</span>
        </button>
    }
}
