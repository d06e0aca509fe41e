use std::time::Duration;

use e2e::eventually;
use e2e::smtp::{SmtpSink, find_url};
use e2e::webdriver::{ChromeDriver, Session};

use crate::{Bench, login_detail, screenshot_path, start_server};

/// Types `email` and asks for a magic link; returns the link from the real SMTP sink.
async fn ask_for_link(browser: &Session, smtp: &SmtpSink, email: &str) -> anyhow::Result<String> {
    browser
        .type_into(&browser.find("[data-testid=email-input]").await?, email)
        .await?;
    browser
        .click(&browser.find("[data-testid=magic-link-submit]").await?)
        .await?;
    browser.find("[data-testid=check-email]").await?;
    let message = eventually("the magic link email", Duration::from_secs(20), || async {
        Ok(smtp.messages_to(email).into_iter().next())
    })
    .await?;
    Ok(find_url(&message.data, "magictext=").expect("a magic link in the email"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magic_link_opened_in_the_same_browser_finishes_there() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        smtp,
        server,
        browser,
        ..
    } = &bench;
    browser.goto(&format!("{}/", server.url)).await?;
    let link = ask_for_link(browser, smtp, "same@example.com").await?;
    browser
        .screenshot(&screenshot_path("magic-link-check-email"))
        .await?;

    // Open the link in the same tab, as a mail client on the same device would.
    browser.goto(&link).await?;
    let confirm = browser.find("[data-testid=confirm-sign-in]").await?;
    browser
        .screenshot(&screenshot_path("magic-link-confirm"))
        .await?;
    browser.click(&confirm).await?;

    // The server recognises the starting browser and sends it back to the page, whose widget
    // finishes with the verifier it kept in sessionStorage.
    let detail = login_detail(browser).await?;
    assert_eq!(detail["user"]["email"], "same@example.com");
    browser.find("[data-testid=success]").await?;
    let url = browser.execute("return location.href;").await?;
    assert!(
        !url.as_str().unwrap_or_default().contains("state="),
        "state is removed from the address bar: {url}"
    );
    let left = browser
        .execute("return sessionStorage.length + localStorage.length;")
        .await?;
    assert_eq!(left, 0, "the in-flight verifier is removed after use");

    let verifier = verifier::Verifier::new(
        server.url.clone(),
        "demo",
        verifier::KeySource::RemoteJwks(format!("{}/.well-known/jwks.json", server.url)),
    )?;
    let claims = verifier
        .verify(detail["access_token"].as_str().unwrap_or_default())
        .await?;
    assert_eq!(claims.email.as_deref(), Some("same@example.com"));
    browser.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magic_link_opened_on_another_device_signs_in_the_first_tab() -> anyhow::Result<()> {
    let smtp = SmtpSink::start().await?;
    let server = start_server(&smtp, None).await?;
    let driver = ChromeDriver::start().await?;
    let laptop = driver.session().await?;
    laptop.goto(&format!("{}/", server.url)).await?;
    let link = ask_for_link(&laptop, &smtp, "cross@example.com").await?;

    // A second browser with its own profile: the "phone" where the email was opened.
    let phone = driver.session().await?;
    phone.goto(&link).await?;
    phone
        .click(&phone.find("[data-testid=confirm-sign-in]").await?)
        .await?;
    phone.find("[data-testid=other-device]").await?;
    phone
        .screenshot(&screenshot_path("magic-link-other-device"))
        .await?;
    let phone_login = phone
        .execute("return window.__ssojetLogin || null;")
        .await?;
    assert!(phone_login.is_null(), "the other device gets no tokens");

    // The first tab was polling and now signs in.
    let detail = login_detail(&laptop).await?;
    assert_eq!(detail["user"]["email"], "cross@example.com");
    laptop.find("[data-testid=success]").await?;
    phone.quit().await?;
    laptop.quit().await?;
    Ok(())
}
