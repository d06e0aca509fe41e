//! Outgoing SMS through a configurable HTTP provider: a JSON body built from a template, or a
//! form-encoded body compatible with Twilio's Messages API. Demo mode puts texts in the dev
//! mailbox instead.

use serde::{Deserialize, Serialize};

use crate::secret::SecretString;

/// How the provider's request body is encoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsBodyMode {
    /// `body_template` with `{{to}}`, `{{from}}` and `{{body}}` replaced by JSON strings.
    #[default]
    Json,
    /// `To`, `From`, `Body` form fields (Twilio's Messages API).
    TwilioForm,
}

/// The SMS provider's HTTP endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmsConfig {
    /// Endpoint URL, e.g. `https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json`.
    pub url: String,
    /// Value of the `Authorization` header, e.g. `Basic …` or `Bearer …`.
    #[serde(default)]
    pub auth_header: Option<SecretString>,
    /// Body encoding.
    #[serde(default)]
    pub mode: SmsBodyMode,
    /// Sender number or name.
    #[serde(default)]
    pub from: String,
    /// JSON body template for [`SmsBodyMode::Json`].
    #[serde(default = "default_body_template")]
    pub body_template: String,
}

fn default_body_template() -> String {
    r#"{"to": {{to}}, "from": {{from}}, "text": {{body}}}"#.to_owned()
}

/// Sending failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmsError {
    /// The provider could not be reached.
    #[error("SMS provider unreachable: {0}")]
    Transport(#[from] reqwest::Error),
    /// The provider answered with an error status.
    #[error("SMS provider answered {0}")]
    Status(u16),
    /// The body template is not valid JSON once filled in.
    #[error("SMS body template does not give valid JSON")]
    Template,
}

/// An HTTP SMS provider.
#[derive(Debug, Clone)]
pub struct SmsProvider {
    config: SmsConfig,
    http: reqwest::Client,
}

impl SmsProvider {
    /// A provider for `config`.
    pub fn new(config: SmsConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { config, http }
    }

    /// Sends `body` to `to` (E.164).
    pub async fn send(&self, to: &str, body: &str) -> Result<(), SmsError> {
        let mut request = self.http.post(&self.config.url);
        if let Some(auth) = &self.config.auth_header {
            request = request.header(reqwest::header::AUTHORIZATION, auth.expose());
        }
        request = match self.config.mode {
            SmsBodyMode::TwilioForm => request.form(&[
                ("To", to),
                ("From", self.config.from.as_str()),
                ("Body", body),
            ]),
            SmsBodyMode::Json => {
                let json = |s: &str| serde_json::Value::from(s).to_string();
                let filled = self
                    .config
                    .body_template
                    .replace("{{to}}", &json(to))
                    .replace("{{from}}", &json(&self.config.from))
                    .replace("{{body}}", &json(body));
                let value: serde_json::Value =
                    serde_json::from_str(&filled).map_err(|_| SmsError::Template)?;
                request.json(&value)
            }
        };
        let response = request.send().await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(SmsError::Status(response.status().as_u16()))
        }
    }
}

/// Normalises a phone number to E.164 (`+` and 8 to 15 digits, no leading zero); spaces,
/// dashes, dots and brackets are dropped.
pub fn normalize_phone(input: &str) -> Option<String> {
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact.strip_prefix('+')?;
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_to_e164() {
        assert_eq!(
            normalize_phone("+1 (415) 555-0123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            normalize_phone("+49 30 1234567").as_deref(),
            Some("+49301234567")
        );
        for bad in [
            "",
            "4155550123",
            "+0123456789",
            "+1",
            "+1415555012345678",
            "+1415abc0123",
            "++14155550123",
        ] {
            assert_eq!(normalize_phone(bad), None, "{bad:?}");
        }
    }
}
