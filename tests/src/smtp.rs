//! The SMTP sink: `aiosmtpd` (PyPI) run from `smtp_sink.py`.

use std::process::Stdio;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// A received message.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message.
    pub data: String,
}

/// A running SMTP sink; killed on drop.
#[derive(Debug)]
pub struct SmtpSink {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    _child: Child,
}

impl SmtpSink {
    /// Starts the sink and waits until it listens.
    pub async fn start() -> anyhow::Result<Self> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting python3 smtp_sink.py (needs `pip install aiosmtpd`; `cargo xtask test` installs it)")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next_line()
            .await?
            .context("the SMTP sink exited before listening (is aiosmtpd installed?)")?;
        let port: u16 = first
            .trim()
            .parse()
            .context("the SMTP sink did not print its port")?;
        let messages = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&messages);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                let received = Received {
                    to: json["to"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    data: json["data"].as_str().unwrap_or_default().to_owned(),
                };
                if let Ok(mut m) = sink.lock() {
                    m.push(received);
                }
            }
        });
        Ok(Self {
            port,
            messages,
            _child: child,
        })
    }

    /// The messages received for `to`, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<Received> {
        self.messages
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|r| r.to.iter().any(|t| t == to))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The first run of six digits standing alone in `text` (the code in our emails).
pub fn find_six_digit_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|i| {
        let window = &bytes[i..i + 6];
        let alone = (i == 0 || !bytes[i - 1].is_ascii_digit())
            && bytes.get(i + 6).is_none_or(|b| !b.is_ascii_digit());
        (alone && window.iter().all(u8::is_ascii_digit))
            .then(|| String::from_utf8_lossy(window).into_owned())
    })
}

/// The first `http…` URL in a raw message that contains `needle`, with quoted-printable soft
/// line breaks and `=3D` undone.
pub fn find_url(raw: &str, needle: &str) -> Option<String> {
    let text = raw
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>'))
        .find(|word| word.starts_with("http") && word.contains(needle))
        .map(|url| url.replace("&amp;", "&"))
}

#[cfg(test)]
mod tests {
    use super::{find_six_digit_code, find_url};

    #[test]
    fn finds_urls_through_quoted_printable() {
        let raw = "Click:\r\n\r\nhttp://h/verify?state=3Dabc&magic=\r\ntext=3Dxyz\r\n";
        assert_eq!(
            find_url(raw, "magictext"),
            Some("http://h/verify?state=abc&magictext=xyz".into())
        );
        assert_eq!(
            find_url("<a href=\"http://h/a?x=1&amp;y=2\">", "y="),
            Some("http://h/a?x=1&y=2".into())
        );
    }

    #[test]
    fn finds_a_lone_six_digit_code() {
        assert_eq!(
            find_six_digit_code("Subject: 042917 is your code"),
            Some("042917".into())
        );
        assert_eq!(
            find_six_digit_code("id 1234567 then 654321."),
            Some("654321".into())
        );
        assert_eq!(find_six_digit_code("nothing here 12345"), None);
    }
}
