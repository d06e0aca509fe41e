//! Outgoing email: SMTP through lettre, and the dev mailbox of demo mode.

use std::sync::{Arc, Mutex};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use protocol::DevMessage;

use crate::config::{SmtpConfig, SmtpSecurity};

/// One email to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (already escaped).
    pub html: String,
}

/// Delivery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The message could not be built (bad address).
    #[error("could not build the message: {0}")]
    Build(String),
    /// The SMTP server refused or could not be reached.
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Where mail goes: SMTP when configured, the dev mailbox in demo mode, or both.
#[derive(Clone, Default)]
pub struct Mailer {
    smtp: Option<Smtp>,
    dev_mailbox: Option<DevMailbox>,
}

#[derive(Clone)]
struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.smtp.as_ref().map(|s| s.from.to_string()))
            .field("dev_mailbox", &self.dev_mailbox.is_some())
            .finish()
    }
}

impl Mailer {
    /// Builds the mailer. `dev_mailbox` is set in demo mode only.
    pub fn new(
        smtp: Option<&SmtpConfig>,
        dev_mailbox: Option<DevMailbox>,
    ) -> Result<Self, MailError> {
        let smtp = smtp.map(Smtp::new).transpose()?;
        Ok(Self { smtp, dev_mailbox })
    }

    /// Whether any delivery path exists.
    pub fn can_deliver(&self) -> bool {
        self.smtp.is_some() || self.dev_mailbox.is_some()
    }

    /// The dev mailbox, in demo mode.
    pub fn dev_mailbox(&self) -> Option<&DevMailbox> {
        self.dev_mailbox.as_ref()
    }

    /// Sends `email` through every configured path.
    pub async fn send(&self, email: &Email, sent_at: String) -> Result<(), MailError> {
        if let Some(mailbox) = &self.dev_mailbox {
            mailbox.push(email, sent_at);
        }
        if let Some(smtp) = &self.smtp {
            smtp.send(email).await?;
        }
        Ok(())
    }
}

impl Smtp {
    fn new(cfg: &SmtpConfig) -> Result<Self, MailError> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| MailError::Build(format!("smtp.from: {e}")))?;
        let mut builder = match cfg.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)?,
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
            }
        }
        .port(cfg.port)
        .timeout(Some(std::time::Duration::from_secs(15)));
        if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| MailError::Build(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Keeps the emails of demo mode in memory (newest first) and prints them to the console.
#[derive(Debug, Clone, Default)]
pub struct DevMailbox(Arc<Mutex<Vec<DevMessage>>>);

/// How many messages the dev mailbox keeps.
const DEV_MAILBOX_CAPACITY: usize = 200;

impl DevMailbox {
    fn push(&self, email: &Email, sent_at: String) {
        tracing::info!(
            to = %email.to,
            subject = %email.subject,
            "dev mailbox (demo mode, not sent):\n{}",
            email.text
        );
        let message = DevMessage {
            to: email.to.clone(),
            subject: email.subject.clone(),
            text: email.text.clone(),
            html: email.html.clone(),
            sent_at,
        };
        if let Ok(mut messages) = self.0.lock() {
            messages.insert(0, message);
            messages.truncate(DEV_MAILBOX_CAPACITY);
        }
    }

    /// Keeps a text message (demo mode) and prints it.
    pub fn push_sms(&self, to: &str, text: &str, sent_at: String) {
        let html = format!("<p>{}</p>", escape_html(text));
        let email = Email {
            to: to.to_owned(),
            subject: "SMS".to_owned(),
            text: text.to_owned(),
            html,
        };
        self.push(&email, sent_at);
    }

    /// The messages, newest first.
    pub fn messages(&self) -> Vec<DevMessage> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape_html("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn dev_mailbox_keeps_newest_first() {
        let mailbox = DevMailbox::default();
        let email = Email {
            to: "a@example.com".into(),
            subject: "s".into(),
            text: "111111".into(),
            html: String::new(),
        };
        mailbox.push(&email, "t1".into());
        mailbox.push_sms("+14155550123", "code <222222>", "t2".into());
        let messages = mailbox.messages();
        assert_eq!(messages[0].to, "+14155550123");
        assert_eq!(messages[0].html, "<p>code &lt;222222&gt;</p>");
        assert!(messages[1].text.contains("111111"));
    }
}
