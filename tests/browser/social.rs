//! Social login and enterprise SSO in headless Chromium, through a real OpenID provider
//! (npm `oidc-provider`, see tests/oidc-provider) whose own login and consent pages the
//! browser fills in.

use std::time::Duration;

use e2e::eventually;
use e2e::oidc::{OidcProvider, RelyingParty};
use e2e::webdriver::Session;
use server::oidc::NewProvider;
use server::secret::SecretString;

use crate::{Bench, RunningServer, login_detail, screenshot_path};

const RP_SECRET: &str = "local-rp-secret-0123456789";

fn relying_party(server: &RunningServer, provider_path: &str) -> RelyingParty {
    RelyingParty {
        client_id: "ssojet-e2e".into(),
        client_secret: RP_SECRET.into(),
        redirect_uri: format!("{}/api/v1/auth/oauth/{provider_path}/callback", server.url),
    }
}

/// Starts a provider standing in for Google and registers it as the demo client's `google`.
async fn with_google(server: &RunningServer) -> anyhow::Result<OidcProvider> {
    let rp = relying_party(server, "google");
    let provider = OidcProvider::start(0, &rp).await?;
    server
        .state
        .auth
        .add_provider(
            "demo",
            "google",
            &NewProvider {
                preset: "google".into(),
                issuer: Some(provider.issuer.clone()),
                oidc_client_id: rp.client_id,
                oidc_client_secret: Some(SecretString::new(RP_SECRET)),
                ..NewProvider::default()
            },
        )
        .await?;
    Ok(provider)
}

/// Back on the email step, the message in the card's error region.
async fn error_on_email_step(browser: &Session) -> anyhow::Result<String> {
    browser.find("[data-testid=email-input]").await?;
    let error = browser.find("[data-testid=error]").await?;
    eventually("the error message", Duration::from_secs(10), || async {
        let text = browser.text(&error).await?;
        Ok((!text.is_empty()).then_some(text))
    })
    .await
}

/// On the provider's own pages: logs in as `login` (any password), then consents.
async fn log_in_at_provider(browser: &Session, login: &str, shot: &str) -> anyhow::Result<()> {
    let field = browser.find("input[name=login]").await?;
    browser.clear(&field).await?;
    browser.type_into(&field, login).await?;
    browser
        .type_into(&browser.find("input[name=password]").await?, "any password")
        .await?;
    browser.screenshot(&screenshot_path(shot)).await?;
    browser
        .click(&browser.find("button.login-submit").await?)
        .await?;
    // The consent page (the same button class, "Continue").
    browser.find("input[name=prompt][value=consent]").await?;
    browser
        .click(&browser.find("button.login-submit").await?)
        .await
}

async fn verify(
    server: &RunningServer,
    detail: &serde_json::Value,
) -> anyhow::Result<verifier::Claims> {
    let token = detail["access_token"].as_str().expect("access_token");
    let jwks = verifier::KeySource::RemoteJwks(format!("{}/.well-known/jwks.json", server.url));
    Ok(verifier::Verifier::new(server.url.clone(), "demo", jwks)?
        .verify(token)
        .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_button_signs_in_through_the_provider() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        server, browser, ..
    } = &bench;
    let _provider = with_google(server).await?;

    browser.goto(&format!("{}/", server.url)).await?;
    let button = browser
        .find("[data-testid=provider-button][data-provider=google]")
        .await?;
    assert_eq!(browser.text(&button).await?, "Continue with Google");
    browser
        .screenshot(&screenshot_path("social-1-buttons"))
        .await?;
    browser.click(&button).await?;

    log_in_at_provider(browser, "ada@gmail.com", "social-2-provider-login").await?;

    // Back on the page: the widget finishes with its stored PKCE verifier.
    let detail = login_detail(browser).await?;
    assert_eq!(detail["user"]["email"], "ada@gmail.com");
    browser.find("[data-testid=success]").await?;
    browser
        .screenshot(&screenshot_path("social-3-signed-in"))
        .await?;
    let claims = verify(server, &detail).await?;
    assert!(claims.has_amr("fed"), "{:?}", claims.amr);
    assert_eq!(claims.org_id, None);
    // The return parameters are gone from the address bar, the flow from storage.
    let left = browser
        .execute("return [location.search, sessionStorage.length];")
        .await?;
    assert_eq!(left, serde_json::json!(["", 0]));
    browser.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn popup_mode_signs_in_without_leaving_the_page() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        server, browser, ..
    } = &bench;
    let _provider = with_google(server).await?;

    // A second widget on the demo page, mounted from JS with `popup: true`.
    browser.goto(&format!("{}/", server.url)).await?;
    browser.find("[data-testid=email-input]").await?;
    browser
        .execute(
            "const el = document.createElement('div'); el.id = 'popup-widget';
             document.querySelector('main').prepend(el);
             window.__pageId = 'opener';
             SSOJet.mount(el, {clientId: 'demo', popup: true});",
        )
        .await?;
    let opener = browser.window_handle().await?;
    browser
        .click(
            &browser
                .find("#popup-widget [data-testid=provider-button]")
                .await?,
        )
        .await?;

    // The provider runs in the popup.
    let popup = eventually("the popup", Duration::from_secs(10), || async {
        Ok(browser
            .window_handles()
            .await?
            .into_iter()
            .find(|h| *h != opener))
    })
    .await?;
    browser.switch_to_window(&popup).await?;
    log_in_at_provider(browser, "popup@gmail.com", "social-7-popup-login").await?;

    // The popup hands the code to the page and closes; the page never navigated.
    eventually("the popup to close", Duration::from_secs(15), || async {
        Ok((browser.window_handles().await? == [opener.clone()]).then_some(()))
    })
    .await?;
    browser.switch_to_window(&opener).await?;
    let detail = login_detail(browser).await?;
    assert_eq!(detail["user"]["email"], "popup@gmail.com");
    assert!(verify(server, &detail).await?.has_amr("fed"));
    assert_eq!(
        browser.execute("return window.__pageId;").await?,
        "opener",
        "the page stayed where it was"
    );
    browser.find("#popup-widget [data-testid=success]").await?;
    browser.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_at_the_provider_is_shown_on_the_card() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        server, browser, ..
    } = &bench;
    let _provider = with_google(server).await?;

    browser.goto(&format!("{}/", server.url)).await?;
    browser
        .click(&browser.find("[data-testid=provider-button]").await?)
        .await?;
    // oidc-provider's login page has a "[ Cancel ]" link: the provider answers access_denied.
    browser
        .click(&browser.find("a[href$='/abort']").await?)
        .await?;

    let message = error_on_email_step(browser).await?;
    assert!(message.contains("cancelled at the provider"), "{message}");
    // As a string: an object with an `error` field reads as a WebDriver error.
    let last_error = browser
        .execute("return (window.__ssojetLastError || {}).error;")
        .await?;
    assert_eq!(last_error, "access_denied");
    browser
        .screenshot(&screenshot_path("social-4-cancelled"))
        .await?;
    assert_eq!(
        browser.execute("return location.search;").await?,
        serde_json::json!("")
    );
    browser.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_with_another_state_is_refused() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        server, browser, ..
    } = &bench;
    // A sign-in in flight in this tab, and a return that is not its own (a forged link, or
    // one from an older attempt).
    browser.goto(&format!("{}/", server.url)).await?;
    browser
        .execute(
            r#"sessionStorage.setItem("ssojet:oauth", JSON.stringify({state: "mine", code_verifier: "v"}));"#,
        )
        .await?;
    browser
        .goto(&format!("{}/?code=stolen-code&state=not-mine", server.url))
        .await?;
    let message = error_on_email_step(browser).await?;
    assert!(message.contains("could not be accepted"), "{message}");
    let left = browser
        .execute("return [location.search, sessionStorage.length, window.__ssojetLogin || null];")
        .await?;
    assert_eq!(left, serde_json::json!(["", 0, null]));
    browser.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_at_an_sso_domain_signs_in_at_the_organization() -> anyhow::Result<()> {
    let bench = Bench::start(None).await?;
    let Bench {
        smtp,
        server,
        browser,
        ..
    } = &bench;
    // The organization's provider: its issuer (and so its port) is known before it starts,
    // and its callback names the organization, known once it is created.
    let port = e2e::free_port()?;
    let mut rp = relying_party(server, "ORG");
    let org = server
        .state
        .auth
        .create_organization(
            "Acme",
            &["acme.test".to_owned()],
            &NewProvider {
                preset: "oidc".into(),
                issuer: Some(format!("http://127.0.0.1:{port}")),
                oidc_client_id: rp.client_id.clone(),
                oidc_client_secret: Some(SecretString::new(RP_SECRET)),
                ..NewProvider::default()
            },
        )
        .await?;
    rp.redirect_uri = rp.redirect_uri.replace("ORG", &org.id);
    let _idp = OidcProvider::start(port, &rp).await?;

    browser.goto(&format!("{}/", server.url)).await?;
    let email = "bob@acme.test";
    browser
        .type_into(&browser.find("[data-testid=email-input]").await?, email)
        .await?;
    browser
        .click(&browser.find("[data-testid=email-submit]").await?)
        .await?;
    // No code: the browser goes to Acme's identity provider instead.
    log_in_at_provider(browser, email, "social-5-sso-login").await?;

    let detail = login_detail(browser).await?;
    assert_eq!(detail["user"]["email"], email);
    let claims = verify(server, &detail).await?;
    assert_eq!(claims.org_id.as_deref(), Some(org.id.as_str()));
    assert!(claims.has_amr("fed"), "{:?}", claims.amr);
    assert!(smtp.messages_to(email).is_empty(), "no code was emailed");
    browser
        .screenshot(&screenshot_path("social-6-sso-signed-in"))
        .await?;
    browser.quit().await?;
    Ok(())
}
