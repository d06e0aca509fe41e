//! Passkeys in headless Chromium with ChromeDriver's virtual authenticator (WebDriver
//! WebAuthn extension: CTAP2, internal transport, resident keys, user verification).
//!
//! The page is opened at `http://localhost:PORT`: the server's relying party id for a
//! loopback public URL is `localhost`, and WebAuthn refuses IP-address origins.

use std::time::Duration;

use e2e::eventually;
use e2e::smtp::{SmtpSink, find_six_digit_code};
use e2e::webdriver::Session;

use crate::{Bench, login_detail, screenshot_path};

/// Signs in on the email step with a code from the real SMTP sink.
async fn sign_in_with_code(browser: &Session, smtp: &SmtpSink, email: &str) -> anyhow::Result<()> {
    let before = smtp.messages_to(email).len();
    browser
        .type_into(&browser.find("[data-testid=email-input]").await?, email)
        .await?;
    browser
        .click(&browser.find("[data-testid=email-submit]").await?)
        .await?;
    let message = eventually("the code email", Duration::from_secs(20), || async {
        Ok(smtp.messages_to(email).into_iter().nth(before))
    })
    .await?;
    let code = find_six_digit_code(&message.data).expect("a six-digit code in the email");
    browser
        .type_into(&browser.find("[data-testid=code-input]").await?, &code)
        .await?;
    Ok(())
}

/// Reloads the page: tokens live in memory only, so this is signing out.
async fn sign_out(browser: &Session, url: &str) -> anyhow::Result<()> {
    browser.goto(url).await
}

/// Checks a passkey sign-in's token: the passkey's user, `amr` with `pop` and `hwk`.
async fn assert_passkey_token(
    server: &crate::RunningServer,
    detail: &serde_json::Value,
    user_id: &str,
) -> anyhow::Result<()> {
    let token = detail["access_token"].as_str().expect("access_token");
    let jwks = verifier::KeySource::RemoteJwks(format!("{}/.well-known/jwks.json", server.url));
    let claims = verifier::Verifier::new(server.url.clone(), "demo", jwks)?
        .verify(token)
        .await?;
    assert!(
        claims.has_amr("pop") && claims.has_amr("hwk"),
        "{:?}",
        claims.amr
    );
    assert_eq!(claims.sub, user_id);
    Ok(())
}

/// Texts of the passkey names in the list.
async fn passkey_names(browser: &Session) -> anyhow::Result<serde_json::Value> {
    browser
        .execute(
            "return [...document.querySelectorAll('[data-testid=passkey-name]')].map(e => e.textContent.trim());",
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_a_passkey_then_sign_in_with_it_rename_and_delete() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        smtp,
        server,
        browser,
        ..
    } = &bench;
    let page = server.url.replace("127.0.0.1", "localhost") + "/";
    let authenticator = browser.add_virtual_authenticator().await?;
    let email = "grace@example.com";

    // 1. Sign in by email code; the card then offers a passkey.
    browser.goto(&page).await?;
    let input = browser.find("[data-testid=email-input]").await?;
    assert_eq!(
        browser.attribute(&input, "autocomplete").await?,
        "username webauthn",
        "the email field takes part in passkey autofill"
    );
    browser.find("[data-testid=passkey-button]").await?;
    // The autofill request this authenticator cannot answer (no passkey yet) fails quietly.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let error = browser.find("[data-testid=error]").await?;
    assert_eq!(browser.text(&error).await?, "");
    browser
        .screenshot(&screenshot_path("passkey-1-email-step"))
        .await?;
    sign_in_with_code(browser, smtp, email).await?;
    let first = login_detail(browser).await?;
    assert_eq!(first["user"]["email"], email);
    browser.find("[data-testid=passkey-offer]").await?;
    browser
        .screenshot(&screenshot_path("passkey-2-offer"))
        .await?;

    // 2. Add a passkey: the virtual authenticator creates a discoverable credential.
    browser
        .click(&browser.find("[data-testid=passkey-add]").await?)
        .await?;
    browser.find("[data-testid=passkey-added]").await?;
    browser.find("[data-testid=passkey-item]").await?;
    browser
        .screenshot(&screenshot_path("passkey-3-added"))
        .await?;
    let credentials = browser.authenticator_credentials(&authenticator).await?;
    assert_eq!(credentials.len(), 1, "{credentials:?}");
    assert_eq!(credentials[0]["isResidentCredential"], true);
    let user = server
        .state
        .auth
        .store
        .user_by_email(email)
        .await?
        .expect("the user");
    assert_eq!(
        server.state.auth.store.passkeys_of(&user.id).await?.len(),
        1
    );

    // 3. Sign out. Back on the email step the widget starts a conditional (autofill)
    //    request; ChromeDriver's virtual authenticator answers it by itself with its one
    //    discoverable credential, as a person picking it from the autofill list would.
    sign_out(browser, &page).await?;
    let autofilled = login_detail(browser).await?;
    assert_eq!(autofilled["user"]["email"], email);
    assert_passkey_token(server, &autofilled, &user.id).await?;
    browser
        .screenshot(&screenshot_path("passkey-4-autofill"))
        .await?;

    // 4. Sign out in a browser without passkey autofill (the check is switched off before
    //    the page's scripts run), then sign in with the passkey button.
    browser
        .add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
        .await?;
    sign_out(browser, &page).await?;
    browser
        .click(&browser.find("[data-testid=passkey-button]").await?)
        .await?;
    let by_button = login_detail(browser).await?;
    assert_eq!(by_button["user"]["email"], email);
    assert_passkey_token(server, &by_button, &user.id).await?;
    // Signed in with a passkey: no offer, the list is one click away.
    browser
        .click(&browser.find("[data-testid=passkey-manage]").await?)
        .await?;
    browser.find("[data-testid=passkey-item]").await?;
    assert!(
        browser
            .execute("return !document.querySelector('[data-testid=passkey-offer]');")
            .await?
            .as_bool()
            .unwrap_or(false)
    );

    // 5. Rename it.
    browser
        .click(&browser.find("[data-testid=passkey-rename]").await?)
        .await?;
    let name_input = browser.find("[data-testid=passkey-name-input]").await?;
    browser.clear(&name_input).await?;
    browser.type_into(&name_input, "Work laptop").await?;
    browser
        .click(&browser.find("[data-testid=passkey-save]").await?)
        .await?;
    eventually("the new name", Duration::from_secs(10), || async {
        Ok((passkey_names(browser).await? == serde_json::json!(["Work laptop"])).then_some(()))
    })
    .await?;
    browser
        .screenshot(&screenshot_path("passkey-5-renamed"))
        .await?;
    let stored = server.state.auth.store.passkeys_of(&user.id).await?;
    assert_eq!(stored[0].name, "Work laptop");

    // 6. Delete it (the verified email remains a way in).
    browser
        .click(&browser.find("[data-testid=passkey-delete]").await?)
        .await?;
    browser
        .click(&browser.find("[data-testid=passkey-confirm-delete]").await?)
        .await?;
    eventually("the empty list", Duration::from_secs(10), || async {
        Ok((passkey_names(browser).await? == serde_json::json!([])).then_some(()))
    })
    .await?;
    assert!(
        server
            .state
            .auth
            .store
            .passkeys_of(&user.id)
            .await?
            .is_empty()
    );

    browser.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_the_offer_is_remembered_on_this_device() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        smtp,
        server,
        browser,
        ..
    } = &bench;
    let page = server.url.replace("127.0.0.1", "localhost") + "/";
    browser.add_virtual_authenticator().await?;
    let email = "lin@example.com";

    browser.goto(&page).await?;
    sign_in_with_code(browser, smtp, email).await?;
    login_detail(browser).await?;
    browser
        .click(&browser.find("[data-testid=passkey-skip]").await?)
        .await?;
    browser.find("[data-testid=passkey-manage]").await?;

    // Next sign-in on this device: no offer.
    sign_out(browser, &page).await?;
    sign_in_with_code(browser, smtp, email).await?;
    login_detail(browser).await?;
    browser.find("[data-testid=passkey-manage]").await?;
    assert!(
        browser
            .execute("return !document.querySelector('[data-testid=passkey-offer]');")
            .await?
            .as_bool()
            .unwrap_or(false)
    );
    browser.quit().await?;
    Ok(())
}
