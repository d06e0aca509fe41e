//! Demo mode only: the demo page and the dev mailbox. None of these routes exist in production.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use protocol::DevMessage;

use crate::AppState;
use crate::mail::escape_html;

/// A strict policy: the widget must work without inline scripts or styles.
const DEMO_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                        img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

fn with_csp(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DEMO_CSP),
    );
    response
}

/// The demo page: the widget embedded with one script tag.
pub async fn demo_page() -> Response {
    with_csp(Html(include_str!("../demo/index.html")))
}

/// The demo page's script (shows the `ssojet:login` result).
pub async fn demo_script() -> Response {
    let mut response = include_str!("../demo/demo.js").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
}

/// The demo page's styles.
pub async fn demo_style() -> Response {
    let mut response = include_str!("../demo/demo.css").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
}

fn messages(state: &AppState) -> Vec<DevMessage> {
    state
        .auth
        .mailer
        .dev_mailbox()
        .map(|m| m.messages())
        .unwrap_or_default()
}

/// The dev mailbox as JSON, newest first.
pub async fn mailbox_json(State(state): State<AppState>) -> Json<Vec<DevMessage>> {
    Json(messages(&state))
}

/// The dev mailbox as a page, newest first.
pub async fn mailbox_html(State(state): State<AppState>) -> Response {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Dev mailbox</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/demo.css\"></head><body class=\"mailbox\"><main>\
         <h1>Dev mailbox</h1><p class=\"hint\">Demo mode: emails and text messages land here instead of being sent. \
         Reload to see new ones.</p>",
    );
    let list = messages(&state);
    if list.is_empty() {
        page.push_str("<p class=\"empty\">No messages yet.</p>");
    }
    for m in list {
        page.push_str(&format!(
            "<article class=\"message\"><header><strong>{}</strong><span>to {}</span><time>{}</time></header><pre>{}</pre></article>",
            escape_html(&m.subject),
            escape_html(&m.to),
            escape_html(&m.sent_at),
            escape_html(&m.text)
        ));
    }
    page.push_str("</main></body></html>");
    with_csp(Html(page))
}
