//! The texts of the messages we send (email code, magic link, SMS code), rendered by
//! minijinja with HTML escaping. Each client may override any of them per locale; otherwise
//! the built-in text of the widget's locale is used (English, German, French, Spanish,
//! Japanese).

use minijinja::{AutoEscape, Environment, context};
use serde::Serialize;

/// Which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A six-digit code by email.
    EmailCode,
    /// A magic link by email.
    MagicLink,
    /// A six-digit code by SMS (only `text` is used).
    SmsCode,
}

impl MessageKind {
    /// The name used in the `message_templates` table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailCode => "email_code",
            Self::MagicLink => "magic_link",
            Self::SmsCode => "sms_code",
        }
    }
}

/// A template: subject, plain text and HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (variables are escaped).
    pub html: String,
}

/// The variables a template can use.
#[derive(Debug, Clone, Serialize)]
pub struct MessageVars<'a> {
    /// The brand shown to the person (the client's name).
    pub brand: &'a str,
    /// The application's name.
    pub app_name: &'a str,
    /// The six-digit code, for code messages.
    pub code: Option<&'a str>,
    /// The magic link, for link messages.
    pub link: Option<&'a str>,
    /// Minutes until the code or link expires.
    pub minutes: i64,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// A template that does not render.
#[derive(Debug, thiserror::Error)]
#[error("template error: {0}")]
pub struct TemplateError(#[from] minijinja::Error);

/// The locales with built-in texts.
pub const LOCALES: [&str; 5] = ["en", "de", "fr", "es", "ja"];

/// The best built-in locale for a BCP 47 tag (`de-AT` → `de`), English by default.
pub fn pick_locale(tag: Option<&str>) -> &'static str {
    let primary = tag
        .unwrap_or("en")
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    LOCALES
        .iter()
        .copied()
        .find(|l| *l == primary)
        .unwrap_or("en")
}

struct Texts {
    code_subject: &'static str,
    code_intro: &'static str,
    expires: &'static str,
    ignore: &'static str,
    link_subject: &'static str,
    link_intro: &'static str,
    link_button: &'static str,
    sms: &'static str,
}

fn texts(locale: &str) -> Texts {
    match locale {
        "de" => Texts {
            code_subject: "{{ code }} ist Ihr Anmeldecode für {{ brand }}",
            code_intro: "Ihr Anmeldecode für {{ brand }} lautet",
            expires: "Er ist {{ minutes }} Minuten gültig.",
            ignore: "Falls Sie ihn nicht angefordert haben, können Sie diese E-Mail ignorieren.",
            link_subject: "Bei {{ brand }} anmelden",
            link_intro: "Klicken Sie auf den Link, um sich bei {{ brand }} anzumelden:",
            link_button: "Anmelden",
            sms: "{{ code }} ist Ihr Code für {{ brand }}. Gültig {{ minutes }} Min.",
        },
        "fr" => Texts {
            code_subject: "{{ code }} est votre code de connexion {{ brand }}",
            code_intro: "Votre code de connexion {{ brand }} est",
            expires: "Il expire dans {{ minutes }} minutes.",
            ignore: "Si vous ne l'avez pas demandé, ignorez cet e-mail.",
            link_subject: "Connexion à {{ brand }}",
            link_intro: "Cliquez sur le lien pour vous connecter à {{ brand }} :",
            link_button: "Se connecter",
            sms: "{{ code }} est votre code {{ brand }}. Valable {{ minutes }} min.",
        },
        "es" => Texts {
            code_subject: "{{ code }} es tu código de acceso a {{ brand }}",
            code_intro: "Tu código de acceso a {{ brand }} es",
            expires: "Caduca en {{ minutes }} minutos.",
            ignore: "Si no lo has pedido, puedes ignorar este correo.",
            link_subject: "Inicia sesión en {{ brand }}",
            link_intro: "Haz clic en el enlace para iniciar sesión en {{ brand }}:",
            link_button: "Iniciar sesión",
            sms: "{{ code }} es tu código de {{ brand }}. Válido {{ minutes }} min.",
        },
        "ja" => Texts {
            code_subject: "{{ brand }} のサインインコード: {{ code }}",
            code_intro: "{{ brand }} のサインインコードは次のとおりです",
            expires: "有効期限は {{ minutes }} 分です。",
            ignore: "心当たりがない場合は、このメールを無視してください。",
            link_subject: "{{ brand }} にサインイン",
            link_intro: "次のリンクから {{ brand }} にサインインしてください:",
            link_button: "サインイン",
            sms: "{{ brand }} のコード: {{ code }}（{{ minutes }} 分間有効）",
        },
        _ => Texts {
            code_subject: "{{ code }} is your {{ brand }} sign-in code",
            code_intro: "Your {{ brand }} sign-in code is",
            expires: "It expires in {{ minutes }} minutes.",
            ignore: "If you did not ask for it, you can ignore this email.",
            link_subject: "Sign in to {{ brand }}",
            link_intro: "Click the link to sign in to {{ brand }}:",
            link_button: "Sign in",
            sms: "{{ code }} is your {{ brand }} code. It expires in {{ minutes }} min.",
        },
    }
}

const HTML_OPEN: &str = "<!doctype html><html><body style=\"font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328\">";
const HTML_CLOSE: &str = "</body></html>";

/// The built-in template of `kind` in `locale`.
pub fn default_template(kind: MessageKind, locale: &str) -> Template {
    let t = texts(locale);
    match kind {
        MessageKind::EmailCode => Template {
            subject: t.code_subject.to_owned(),
            text: format!(
                "{} {{{{ code }}}}\n\n{} {}",
                t.code_intro, t.expires, t.ignore
            ),
            html: format!(
                "{HTML_OPEN}<p>{}</p><p style=\"font-size:28px;letter-spacing:6px;font-weight:600\">{{{{ code }}}}</p><p>{} {}</p>{HTML_CLOSE}",
                t.code_intro, t.expires, t.ignore
            ),
        },
        MessageKind::MagicLink => Template {
            subject: t.link_subject.to_owned(),
            text: format!(
                "{}\n\n{{{{ link }}}}\n\n{} {}",
                t.link_intro, t.expires, t.ignore
            ),
            html: format!(
                "{HTML_OPEN}<p>{}</p><p><a href=\"{{{{ link }}}}\" style=\"display:inline-block;padding:12px 20px;border-radius:8px;background:#4f46e5;color:#fff;text-decoration:none\">{}</a></p><p style=\"font-size:12px;word-break:break-all\">{{{{ link }}}}</p><p>{} {}</p>{HTML_CLOSE}",
                t.link_intro, t.link_button, t.expires, t.ignore
            ),
        },
        MessageKind::SmsCode => Template {
            subject: String::new(),
            text: t.sms.to_owned(),
            html: String::new(),
        },
    }
}

/// Renders `template` with `vars`; the HTML body is escaped, subject and text are not.
pub fn render(template: &Template, vars: &MessageVars<'_>) -> Result<Rendered, TemplateError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    let ctx = context! { brand => vars.brand, app_name => vars.app_name, code => vars.code, link => vars.link, minutes => vars.minutes };
    Ok(Rendered {
        subject: env
            .render_named_str("subject.txt", &template.subject, &ctx)?
            .replace(['\r', '\n'], " "),
        text: env.render_named_str("body.txt", &template.text, &ctx)?,
        html: env.render_named_str("body.html", &template.html, &ctx)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(brand: &'a str, link: Option<&'a str>) -> MessageVars<'a> {
        MessageVars {
            brand,
            app_name: brand,
            code: Some("042917"),
            link,
            minutes: 5,
        }
    }

    #[test]
    fn every_locale_renders_every_kind() {
        for locale in LOCALES {
            for kind in [
                MessageKind::EmailCode,
                MessageKind::MagicLink,
                MessageKind::SmsCode,
            ] {
                let out = render(
                    &default_template(kind, locale),
                    &vars("Acme", Some("https://a.test/x?y=1&z=2")),
                )
                .unwrap();
                match kind {
                    MessageKind::MagicLink => {
                        assert!(out.text.contains("https://a.test/x?y=1&z=2"), "{locale}");
                    }
                    _ => assert!(out.text.contains("042917"), "{locale} {kind:?}"),
                }
                assert!(
                    out.text.contains("Acme")
                        || kind == MessageKind::MagicLink && out.subject.contains("Acme")
                );
            }
        }
    }

    #[test]
    fn html_is_escaped_but_text_is_not() {
        let out = render(
            &default_template(MessageKind::MagicLink, "en"),
            &vars("<b>Acme</b>", Some("https://a.test/?a=1&b=2")),
        )
        .unwrap();
        assert!(
            out.html.contains("&lt;b&gt;Acme&lt;&#x2f;b&gt;")
                || out.html.contains("&lt;b&gt;Acme&lt;/b&gt;"),
            "{}",
            out.html
        );
        assert!(out.html.contains("a=1&amp;b=2"));
        assert!(out.subject.contains("<b>Acme</b>"));
    }

    #[test]
    fn locales_are_picked_from_tags() {
        assert_eq!(pick_locale(Some("de-AT")), "de");
        assert_eq!(pick_locale(Some("JA")), "ja");
        assert_eq!(pick_locale(Some("pt-BR")), "en");
        assert_eq!(pick_locale(None), "en");
    }
}
