use std::time::Duration;

use e2e::eventually;
use e2e::smtp::find_six_digit_code;

use crate::{Bench, screenshot_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_code_sign_in_from_widget_to_verified_token() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        smtp,
        server,
        browser,
        ..
    } = &bench;

    browser.goto(&format!("{}/", server.url)).await?;
    let email_input = browser.find("[data-testid=email-input]").await?;
    browser.screenshot(&screenshot_path("1-email-step")).await?;
    let email = "ada@example.com";
    browser.type_into(&email_input, email).await?;
    browser
        .click(&browser.find("[data-testid=email-submit]").await?)
        .await?;

    // The code arrives over real SMTP.
    let message = eventually("the code email", Duration::from_secs(20), || async {
        Ok(smtp.messages_to(email).into_iter().next())
    })
    .await?;
    let code = find_six_digit_code(&message.data).expect("a six-digit code in the email");

    let code_input = browser.find("[data-testid=code-input]").await?;
    assert_eq!(
        browser.attribute(&code_input, "autocomplete").await?,
        "one-time-code"
    );
    browser.screenshot(&screenshot_path("2-code-step")).await?;
    browser.type_into(&code_input, &code).await?;
    // The widget may submit by itself once six digits are in; click if the button is still there.
    if let Ok(submit) = browser.find("[data-testid=code-submit]").await {
        let _ = browser.click(&submit).await;
    }

    // The page receives `ssojet:login` with the token.
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
    browser.find("[data-testid=success]").await?;
    browser.screenshot(&screenshot_path("3-signed-in")).await?;
    assert_eq!(detail["user"]["email"], email);
    assert!(
        detail["expires_at"]
            .as_str()
            .is_some_and(|s| s.contains('T')),
        "{detail}"
    );
    let token = detail["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    // No token may be stored by the widget.
    let stored = browser
        .execute("return localStorage.length + sessionStorage.length;")
        .await?;
    assert_eq!(stored, 0);

    // The verifier crate accepts the token against the server's JWKS.
    let jwks = verifier::KeySource::RemoteJwks(format!("{}/.well-known/jwks.json", server.url));
    let verifier = verifier::Verifier::new(server.url.clone(), "demo", jwks)?;
    let claims = verifier.verify(&token).await?;
    assert_eq!(claims.email.as_deref(), Some(email));
    assert!(claims.has_amr("otp"));
    assert!(claims.sub.starts_with("usr_"));

    browser.quit().await?;
    Ok(())
}
