use leptos::prelude::*;

/// The card every step sits in; its body keeps one height so steps do not make the page jump.
#[component]
pub fn Card(
    /// The footer line.
    footer: &'static str,
    /// The step.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="ssojet-card">
            <div class="ssojet-body">{children()}</div>
            <p class="ssojet-footer">{footer}</p>
        </div>
    }
}
