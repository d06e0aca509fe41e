use std::sync::{Arc, Mutex};
use std::time::Duration;

use e2e::eventually;
use e2e::smtp::{SmtpSink, find_six_digit_code};
use e2e::webdriver::ChromeDriver;
use server::sms::{SmsBodyMode, SmsConfig};

use crate::{screenshot_path, start_server};

/// A local HTTP listener acting as the SMS provider (Twilio-style form posts).
async fn sms_provider() -> anyhow::Result<(String, Arc<Mutex<Vec<String>>>)> {
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = Arc::clone(&bodies);
    let app = axum::Router::new().route(
        "/2010-04-01/Accounts/AC123/Messages.json",
        axum::routing::post(move |body: String| {
            let record = Arc::clone(&record);
            async move {
                record.lock().map(|mut b| b.push(body)).ok();
                (
                    axum::http::StatusCode::CREATED,
                    r#"{"sid": "SM1", "status": "queued"}"#,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!(
        "http://{}/2010-04-01/Accounts/AC123/Messages.json",
        listener.local_addr()?
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, bodies))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_code_sign_in_through_an_http_sms_provider() -> anyhow::Result<()> {
    let smtp = SmtpSink::start().await?;
    let (url, bodies) = sms_provider().await?;
    let sms = SmsConfig {
        url,
        auth_header: Some(server::secret::SecretString::new("Basic QUMxMjM6dG9rZW4=")),
        mode: SmsBodyMode::TwilioForm,
        from: "+15005550006".into(),
        body_template: String::new(),
    };
    let server = start_server(&smtp, Some(sms)).await?;
    let driver = ChromeDriver::start().await?;
    let browser = driver.session().await?;
    browser.goto(&format!("{}/", server.url)).await?;
    browser
        .click(&browser.find("[data-testid=use-phone]").await?)
        .await?;
    browser
        .type_into(
            &browser.find("[data-testid=phone-input]").await?,
            "+1 415 555 0123",
        )
        .await?;
    browser
        .screenshot(&screenshot_path("sms-phone-step"))
        .await?;
    browser
        .click(&browser.find("[data-testid=phone-submit]").await?)
        .await?;

    let body = eventually(
        "the text message at the provider",
        Duration::from_secs(20),
        || async { Ok(bodies.lock().ok().and_then(|b| b.first().cloned())) },
    )
    .await?;
    assert!(body.contains("To=%2B14155550123"), "{body}");
    let code = find_six_digit_code(&body).expect("a code in the SMS");

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
    browser.find("[data-testid=success]").await?;
    browser
        .screenshot(&screenshot_path("sms-signed-in"))
        .await?;
    assert!(
        detail["user"]["id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("usr_")
    );
    assert!(
        detail["user"]
            .get("email")
            .is_none_or(serde_json::Value::is_null)
    );
    browser.quit().await?;
    Ok(())
}
