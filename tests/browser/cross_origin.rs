use std::time::Duration;

use axum::response::Html;
use e2e::eventually;
use e2e::smtp::{SmtpSink, find_six_digit_code};
use e2e::webdriver::ChromeDriver;

use crate::start_server;

/// A customer's page on another origin: the embed snippet and nothing else of ours.
const CUSTOMER_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>Customer</title>
<script src="/page.js" defer></script>
<script src="AUTH/widget/ssojet.js" data-client-id="CLIENT" async></script></head>
<body><h1>Customer app</h1><div id="ssojet-login"></div></body></html>"#;

const CUSTOMER_SCRIPT: &str =
    "document.addEventListener('ssojet:login', (e) => { window.__ssojetLogin = e.detail; });";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_embedded_on_another_origin_signs_in() -> anyhow::Result<()> {
    let smtp = SmtpSink::start().await?;
    let server = start_server(&smtp, None).await?;

    // The customer's site, on its own port (so its own origin), under a strict CSP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let customer = format!("http://{}", listener.local_addr()?);
    let services = server::Services::real();
    let client = server::create_client(
        &server.state.auth.store,
        &services,
        &server::NewClient {
            name: "Customer app".into(),
            allowed_origins: vec![customer.clone()],
            redirect_uris: vec![format!("{customer}/")],
            ..Default::default()
        },
    )
    .await?
    .client;
    let page = CUSTOMER_PAGE
        .replace("AUTH", &server.url)
        .replace("CLIENT", &client.id);
    let csp = format!(
        "default-src 'self'; script-src 'self' {auth} 'wasm-unsafe-eval'; style-src 'self' {auth}; connect-src {auth}",
        auth = server.url
    );
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || {
                let page = page.clone();
                let csp = csp.clone();
                async move { ([("content-security-policy", csp)], Html(page)) }
            }),
        )
        .route(
            "/page.js",
            axum::routing::get(|| async {
                ([("content-type", "text/javascript")], CUSTOMER_SCRIPT)
            }),
        );
    let site = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let driver = ChromeDriver::start().await?;
    let browser = driver.session().await?;
    browser.goto(&format!("{customer}/")).await?;
    browser
        .type_into(
            &browser.find("[data-testid=email-input]").await?,
            "grace@example.com",
        )
        .await?;
    browser
        .click(&browser.find("[data-testid=email-submit]").await?)
        .await?;
    let message = eventually("the code email", Duration::from_secs(20), || async {
        Ok(smtp.messages_to("grace@example.com").into_iter().next())
    })
    .await?;
    assert!(
        message.data.contains("Customer app"),
        "the email names the customer's app"
    );
    let code = find_six_digit_code(&message.data).expect("a code");
    browser
        .type_into(&browser.find("[data-testid=code-input]").await?, &code)
        .await?;
    if let Ok(submit) = browser.find("[data-testid=code-submit]").await {
        let _ = browser.click(&submit).await;
    }
    let detail = eventually(
        "the ssojet:login event",
        Duration::from_secs(20),
        || async {
            let value = browser
                .execute("return window.__ssojetLogin || null;")
                .await?;
            Ok((!value.is_null()).then_some(value))
        },
    )
    .await?;
    assert_eq!(detail["user"]["email"], "grace@example.com");
    browser.quit().await?;
    site.abort();
    Ok(())
}
