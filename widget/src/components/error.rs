use leptos::prelude::*;

/// The `aria-live` region where errors appear; empty (and invisible) when there is none.
#[component]
pub fn ErrorRegion(
    /// The message to show.
    #[prop(into)]
    message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="ssojet-error" aria-live="polite" aria-atomic="true" data-testid="error">
            {move || message.get()}
        </div>
    }
}
