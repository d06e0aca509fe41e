use leptos::prelude::*;

/// A small spinning ring, hidden from screen readers (the busy button says it instead).
#[component]
pub fn Spinner() -> impl IntoView {
    view! { <span class="ssojet-spinner" aria-hidden="true"></span> }
}
