//! Texts of the widget, one table per locale.
//!
//! Every string the widget shows comes from a [`Texts`] table. Only English exists today; a
//! new language is one more `const` table and one more arm in [`Locale::from_tag`]. Texts
//! with a value in them are templates with a `{}` placeholder, filled by [`fill`], so each
//! language can put the value where its grammar wants it.

use protocol::ErrorCode;

use crate::api::ApiError;

/// The languages the widget can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Locale {
    /// English (the fallback).
    #[default]
    En,
}

impl Locale {
    /// The locale for a BCP 47 tag such as `en-GB`; unknown tags fall back to English.
    pub fn from_tag(tag: &str) -> Self {
        let lang = tag.split(['-', '_']).next().unwrap_or_default();
        // Arms for "de", "fr", "es", "ja" go here as their tables arrive.
        match lang {
            l if l.eq_ignore_ascii_case("en") => Self::En,
            _ => Self::En,
        }
    }

    /// The text table of this locale.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
        }
    }
}

/// Every text of the widget in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    /// Card title on the email step.
    pub title: &'static str,
    /// Line under the title on the email step.
    pub subtitle: &'static str,
    /// Label of the email field.
    pub email_label: &'static str,
    /// Placeholder of the email field.
    pub email_placeholder: &'static str,
    /// The email step's button.
    pub email_submit: &'static str,
    /// Card title on the code step.
    pub code_title: &'static str,
    /// Line under the title on the code step; `{}` is the email address.
    pub code_subtitle: &'static str,
    /// Line under the title after a resend; `{}` is the email address.
    pub code_resent: &'static str,
    /// Label of the code field.
    pub code_label: &'static str,
    /// The code step's button.
    pub code_submit: &'static str,
    /// The resend button when it can be used.
    pub resend: &'static str,
    /// The resend button while it waits; `{}` is the seconds left.
    pub resend_in: &'static str,
    /// The link back to the email step.
    pub use_another_email: &'static str,
    /// Title of the success step.
    pub success_title: &'static str,
    /// Line of the success step; `{}` is the email address.
    pub signed_in_as: &'static str,
    /// Screen-reader text of the spinner.
    pub loading: &'static str,
    /// Footer line.
    pub secured_by: &'static str,
    /// Errors, chosen by [`Texts::error_message`].
    pub errors: ErrorTexts,
}

/// Error messages of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorTexts {
    /// The email field is empty or not an address (checked before sending, and
    /// `invalid_email` from the server).
    pub invalid_email: &'static str,
    /// The code has fewer than six digits.
    pub code_incomplete: &'static str,
    /// `invalid_otp`.
    pub invalid_otp: &'static str,
    /// `otp_expired`.
    pub otp_expired: &'static str,
    /// `too_many_attempts`.
    pub too_many_attempts: &'static str,
    /// `rate_limited` with a `retry_after`; `{}` is the seconds to wait.
    pub rate_limited_for: &'static str,
    /// `rate_limited` without a `retry_after`.
    pub rate_limited: &'static str,
    /// `invalid_origin`.
    pub invalid_origin: &'static str,
    /// `invalid_client`.
    pub invalid_client: &'static str,
    /// `invalid_grant` (the sign-in could not be completed; start again).
    pub invalid_grant: &'static str,
    /// The server could not be reached.
    pub network: &'static str,
    /// The browser cannot sign in here (no WebCrypto: the page is not https).
    pub browser: &'static str,
    /// Anything else.
    pub fallback: &'static str,
}

/// English.
pub const EN: Texts = Texts {
    title: "Sign in",
    subtitle: "Enter your email and we will send you a sign-in code.",
    email_label: "Email address",
    email_placeholder: "you@example.com",
    email_submit: "Continue",
    code_title: "Check your email",
    code_subtitle: "We sent a 6-digit code to {}.",
    code_resent: "We sent a new code to {}.",
    code_label: "Verification code",
    code_submit: "Verify",
    resend: "Resend code",
    resend_in: "Resend code in {} s",
    use_another_email: "Use another email",
    success_title: "You are signed in",
    signed_in_as: "Signed in as {}",
    loading: "Please wait…",
    secured_by: "Secured by SSOJet",
    errors: ErrorTexts {
        invalid_email: "Enter a valid email address.",
        code_incomplete: "Enter the 6-digit code from the email.",
        invalid_otp: "That code is not right. Check the email and try again.",
        otp_expired: "That code has expired. Please request a new code.",
        too_many_attempts: "Too many wrong codes. Please request a new code.",
        rate_limited_for: "Too many attempts. Try again in {} seconds.",
        rate_limited: "Too many attempts. Try again in a little while.",
        invalid_origin: "This site is not allowed to sign in with this application.",
        invalid_client: "This sign-in form is not set up correctly (unknown client).",
        invalid_grant: "The sign-in could not be completed. Please start again.",
        network: "Cannot reach the sign-in service. Check your connection and try again.",
        browser: "This browser cannot sign in on this page (a secure https page is needed).",
        fallback: "Something went wrong. Please try again.",
    },
};

impl Texts {
    /// The message to show for an API failure.
    pub fn error_message(&self, err: &ApiError) -> String {
        let e = &self.errors;
        match err {
            ApiError::Network => e.network.into(),
            ApiError::Api(body) => match body.error {
                ErrorCode::InvalidEmail => e.invalid_email.into(),
                ErrorCode::InvalidOtp => e.invalid_otp.into(),
                ErrorCode::OtpExpired => e.otp_expired.into(),
                ErrorCode::TooManyAttempts => e.too_many_attempts.into(),
                ErrorCode::RateLimited => match body.retry_after {
                    Some(secs) => fill(e.rate_limited_for, &secs.to_string()),
                    None => e.rate_limited.into(),
                },
                ErrorCode::InvalidOrigin => e.invalid_origin.into(),
                ErrorCode::InvalidClient => e.invalid_client.into(),
                ErrorCode::InvalidGrant => e.invalid_grant.into(),
                _ => e.fallback.into(),
            },
            ApiError::Browser => e.browser.into(),
            ApiError::Malformed => e.fallback.into(),
        }
    }
}

/// Puts `value` in place of the first `{}` of `template`.
pub fn fill(template: &str, value: &str) -> String {
    match template.split_once("{}") {
        Some((before, after)) => {
            let mut out = String::with_capacity(template.len() + value.len());
            out.push_str(before);
            out.push_str(value);
            out.push_str(after);
            out
        }
        None => template.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_the_placeholder() {
        assert_eq!(fill("Resend code in {} s", "12"), "Resend code in 12 s");
        assert_eq!(fill("no placeholder", "x"), "no placeholder");
    }

    #[test]
    fn unknown_tags_fall_back_to_english() {
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag("xx"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
    }
}
