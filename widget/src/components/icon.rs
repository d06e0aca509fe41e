use leptos::prelude::*;

/// An envelope (email and code steps).
#[component]
pub fn MailIcon() -> impl IntoView {
    view! {
        <svg class="ssojet-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <rect x="3" y="5" width="18" height="14" rx="2.5"></rect>
            <path d="m4 7.5 8 5.5 8-5.5"></path>
        </svg>
    }
}

/// A check mark (success step).
#[component]
pub fn CheckIcon() -> impl IntoView {
    view! {
        <svg class="ssojet-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="m5 12.5 4.5 4.5L19 7.5"></path>
        </svg>
    }
}

/// A phone (phone step and SMS code step).
#[component]
pub fn PhoneIcon() -> impl IntoView {
    view! {
        <svg class="ssojet-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <rect x="6.5" y="2.5" width="11" height="19" rx="2.5"></rect>
            <path d="M10.5 18h3"></path>
        </svg>
    }
}

/// A key (passkey button, offer and list).
#[component]
pub fn KeyIcon() -> impl IntoView {
    view! {
        <svg class="ssojet-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="8" cy="15" r="4"></circle>
            <path d="m11 12 9-9M16 7l3 3M14 9l2 2"></path>
        </svg>
    }
}
