//! Texts of the widget, one table per locale.
//!
//! Every string the widget shows comes from a [`Texts`] table: English, German, French,
//! Spanish and Japanese; a new language is one more `const` table and one more arm in
//! [`Locale::from_tag`]. Texts
//! with a value in them are templates with a `{}` placeholder, filled by [`fill`], so each
//! language can put the value where its grammar wants it.

use protocol::ErrorCode;

use crate::api::ApiError;
use crate::webauthn::PasskeyError;

/// The languages the widget can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Locale {
    /// English (the fallback).
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Japanese.
    Ja,
}

impl Locale {
    /// The locale for a BCP 47 tag such as `en-GB`; unknown tags fall back to English.
    pub fn from_tag(tag: &str) -> Self {
        let lang = tag.split(['-', '_']).next().unwrap_or_default();
        let is = |code: &str| lang.eq_ignore_ascii_case(code);
        if is("de") {
            Self::De
        } else if is("fr") {
            Self::Fr
        } else if is("es") {
            Self::Es
        } else if is("ja") {
            Self::Ja
        } else {
            Self::En
        }
    }

    /// The text table of this locale.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::De => &DE,
            Self::Fr => &FR,
            Self::Es => &ES,
            Self::Ja => &JA,
        }
    }
}

/// Every text of the widget in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    /// Card title on the email and phone steps.
    pub title: &'static str,
    /// Line under the title on the email step (codes only).
    pub subtitle: &'static str,
    /// Line under the title on the email step (links only).
    pub subtitle_link: &'static str,
    /// Line under the title on the email step (codes and links).
    pub subtitle_code_or_link: &'static str,
    /// Label of the email field.
    pub email_label: &'static str,
    /// Placeholder of the email field.
    pub email_placeholder: &'static str,
    /// The email step's button when codes are the only email method.
    pub email_submit: &'static str,
    /// The email step's code button when links are offered too.
    pub email_code_submit: &'static str,
    /// The email step's link button.
    pub magic_link_submit: &'static str,
    /// Switch from the email step to the phone step.
    pub use_phone: &'static str,
    /// Switch from the phone step to the email step.
    pub use_email: &'static str,
    /// Line under the title on the phone step.
    pub phone_subtitle: &'static str,
    /// Label of the phone field.
    pub phone_label: &'static str,
    /// Label of the country selector (read by screen readers).
    pub country_label: &'static str,
    /// Placeholder of the phone field.
    pub phone_placeholder: &'static str,
    /// The phone step's button.
    pub phone_submit: &'static str,
    /// Card title on the code step (email).
    pub code_title: &'static str,
    /// Card title on the code step (SMS).
    pub sms_code_title: &'static str,
    /// Line under the title on the code step; `{}` is the email address or phone number.
    pub code_subtitle: &'static str,
    /// Line under the title after a resend; `{}` is the email address or phone number.
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
    /// The link back to the phone step.
    pub use_another_phone: &'static str,
    /// Card title while waiting for a magic link to be opened.
    pub link_title: &'static str,
    /// Line under it; `{}` is the email address.
    pub link_subtitle: &'static str,
    /// Line under it after a resend; `{}` is the email address.
    pub link_resent: &'static str,
    /// The waiting line beside the spinner.
    pub link_waiting: &'static str,
    /// The resend-link button when it can be used.
    pub resend_link: &'static str,
    /// The resend-link button while it waits; `{}` is the seconds left.
    pub resend_link_in: &'static str,
    /// Card title once the link has expired.
    pub link_expired_title: &'static str,
    /// Line under it; `{}` is the email address.
    pub link_expired: &'static str,
    /// Button that starts over.
    pub start_again: &'static str,
    /// Title while a sign-in from a link is being completed.
    pub finishing: &'static str,
    /// Title of the success step.
    pub success_title: &'static str,
    /// Line of the success step; `{}` is the email address or phone number.
    pub signed_in_as: &'static str,
    /// Screen-reader text of the spinner.
    pub loading: &'static str,
    /// Footer line.
    pub secured_by: &'static str,
    /// Errors, chosen by [`Texts::error_message`].
    pub errors: ErrorTexts,
    /// Passkey buttons, offer, list and errors.
    pub passkey: PasskeyTexts,
    /// Social login and SSO.
    pub social: SocialTexts,
}

/// Social login and SSO texts of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocialTexts {
    /// A provider button; `{}` is the provider's name.
    pub continue_with: &'static str,
    /// While the browser goes to a provider; `{}` is its (or the organization's) name.
    pub redirecting: &'static str,
    /// `access_denied`: the person declined at the provider.
    pub access_denied: &'static str,
    /// `provider_error` and `provider_unavailable`.
    pub provider_error: &'static str,
    /// `invalid_id_token`, `invalid_state` and `email_domain_mismatch`.
    pub rejected: &'static str,
    /// `sso_required`: the email's organization signs in only through its own SSO.
    pub sso_required: &'static str,
    /// `unverified_email`.
    pub unverified_email: &'static str,
}

/// Passkey texts of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasskeyTexts {
    /// The email step's passkey button.
    pub sign_in: &'static str,
    /// The divider between the email buttons and the passkey button.
    pub or: &'static str,
    /// Title of the offer shown after another method signed the person in.
    pub offer_title: &'static str,
    /// Line under it.
    pub offer_body: &'static str,
    /// Button that adds a passkey.
    pub add: &'static str,
    /// Button that declines the offer (not asked again on this device).
    pub not_now: &'static str,
    /// Shown once a passkey was added.
    pub added: &'static str,
    /// Opens the passkey list.
    pub manage: &'static str,
    /// Title of the passkey list.
    pub list_title: &'static str,
    /// The list has no passkey.
    pub list_empty: &'static str,
    /// When a passkey was added; `{}` is the date.
    pub created: &'static str,
    /// When it last signed in; `{}` is the date.
    pub last_used: &'static str,
    /// Label of the rename field.
    pub name_label: &'static str,
    /// Rename button.
    pub rename: &'static str,
    /// Save button of the rename field.
    pub save: &'static str,
    /// Cancel button (rename, delete).
    pub cancel: &'static str,
    /// Delete button.
    pub delete: &'static str,
    /// The question before deleting.
    pub confirm_delete: &'static str,
    /// The person cancelled, the prompt timed out, or the device has no passkey for the site
    /// (browsers report all three alike, on purpose).
    pub cancelled: &'static str,
    /// `passkey_failed`: the server refused the passkey.
    pub failed: &'static str,
    /// `ceremony_expired`.
    pub expired: &'static str,
    /// This device already has a passkey for the account.
    pub exists: &'static str,
    /// The page may not use this server's passkeys.
    pub not_allowed_here: &'static str,
    /// The browser cannot use passkeys.
    pub unsupported: &'static str,
    /// `last_sign_in_method`.
    pub last_method: &'static str,
}

/// Error messages of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorTexts {
    /// The email field is empty or not an address (checked before sending, and
    /// `invalid_email` from the server).
    pub invalid_email: &'static str,
    /// The phone number cannot be a number (checked before sending, and `invalid_phone`).
    pub invalid_phone: &'static str,
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
    /// `method_not_enabled`.
    pub method_not_enabled: &'static str,
    /// `delivery_failed`.
    pub delivery_failed: &'static str,
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
    subtitle_link: "Enter your email and we will send you a sign-in link.",
    subtitle_code_or_link: "Enter your email to get a sign-in code or link.",
    email_label: "Email address",
    email_placeholder: "you@example.com",
    email_submit: "Continue",
    email_code_submit: "Email me a code",
    magic_link_submit: "Email me a sign-in link",
    use_phone: "Use phone instead",
    use_email: "Use email instead",
    phone_subtitle: "Enter your phone number and we will text you a sign-in code.",
    phone_label: "Phone number",
    country_label: "Country code",
    phone_placeholder: "Phone number",
    phone_submit: "Text me a code",
    code_title: "Check your email",
    sms_code_title: "Check your phone",
    code_subtitle: "We sent a 6-digit code to {}.",
    code_resent: "We sent a new code to {}.",
    code_label: "Verification code",
    code_submit: "Verify",
    resend: "Resend code",
    resend_in: "Resend code in {} s",
    use_another_email: "Use another email",
    use_another_phone: "Use another number",
    link_title: "Check your email",
    link_subtitle: "We sent a sign-in link to {}. Open it on any device to continue here.",
    link_resent: "We sent a new sign-in link to {}.",
    link_waiting: "Waiting for you to open the link…",
    resend_link: "Resend link",
    resend_link_in: "Resend link in {} s",
    link_expired_title: "The link has expired",
    link_expired: "The sign-in link sent to {} is no longer valid. Start again to get a new one.",
    start_again: "Start again",
    finishing: "Finishing sign-in…",
    success_title: "You are signed in",
    signed_in_as: "Signed in as {}",
    loading: "Please wait…",
    secured_by: "Secured by SSOJet",
    errors: ErrorTexts {
        invalid_email: "Enter a valid email address.",
        invalid_phone: "Enter a valid phone number.",
        code_incomplete: "Enter the 6-digit code we sent you.",
        invalid_otp: "That code is not right. Check it and try again.",
        otp_expired: "That code has expired. Please request a new code.",
        too_many_attempts: "Too many wrong codes. Please request a new code.",
        rate_limited_for: "Too many attempts. Try again in {} seconds.",
        rate_limited: "Too many attempts. Try again in a little while.",
        invalid_origin: "This site is not allowed to sign in with this application.",
        invalid_client: "This sign-in form is not set up correctly (unknown client).",
        invalid_grant: "The sign-in could not be completed. Please start again.",
        method_not_enabled: "This way of signing in is not available here.",
        delivery_failed: "We could not send the message. Please try again.",
        network: "Cannot reach the sign-in service. Check your connection and try again.",
        browser: "This browser cannot sign in on this page (a secure https page is needed).",
        fallback: "Something went wrong. Please try again.",
    },
    passkey: PasskeyTexts {
        sign_in: "Sign in with a passkey",
        or: "or",
        offer_title: "Sign in faster next time",
        offer_body: "Add a passkey to sign in with your fingerprint, face or screen lock instead of a code.",
        add: "Add a passkey",
        not_now: "Not now",
        added: "Passkey added. Next time, sign in with it.",
        manage: "Manage passkeys",
        list_title: "Your passkeys",
        list_empty: "You have no passkeys yet.",
        created: "Added {}",
        last_used: "last used {}",
        name_label: "Passkey name",
        rename: "Rename",
        save: "Save",
        cancel: "Cancel",
        delete: "Delete",
        confirm_delete: "Delete this passkey? You will not be able to sign in with it any more.",
        cancelled: "No passkey was used: the request was cancelled or timed out, or this device has no passkey for this site. Try again, or use another way to sign in.",
        failed: "That passkey could not be verified. Try again, or use another way to sign in.",
        expired: "The passkey request expired. Please try again.",
        exists: "This device already has a passkey for your account.",
        not_allowed_here: "Passkeys cannot be used on this site.",
        unsupported: "This browser cannot use passkeys here.",
        last_method: "This is the last way to sign in to your account, so it cannot be deleted.",
    },
    social: SocialTexts {
        continue_with: "Continue with {}",
        redirecting: "Taking you to {}…",
        access_denied: "Sign-in was cancelled at the provider. Try again, or use another way to sign in.",
        provider_error: "The sign-in provider is not answering right now. Please try again.",
        rejected: "That sign-in could not be accepted. Please start again.",
        sso_required: "Your organization signs in with its own single sign-on. Enter your work email above to continue there.",
        unverified_email: "An account with this email exists, but the provider has not verified the address. Sign in with an email code first.",
    },
};

/// German.
pub const DE: Texts = Texts {
    title: "Anmelden",
    subtitle: "Geben Sie Ihre E-Mail-Adresse ein, und wir senden Ihnen einen Anmeldecode.",
    subtitle_link: "Geben Sie Ihre E-Mail-Adresse ein, und wir senden Ihnen einen Anmeldelink.",
    subtitle_code_or_link: "Geben Sie Ihre E-Mail-Adresse ein, um einen Code oder Link zu erhalten.",
    email_label: "E-Mail-Adresse",
    email_placeholder: "sie@beispiel.de",
    email_submit: "Weiter",
    email_code_submit: "Code per E-Mail senden",
    magic_link_submit: "Anmeldelink per E-Mail senden",
    use_phone: "Stattdessen Telefon verwenden",
    use_email: "Stattdessen E-Mail verwenden",
    phone_subtitle: "Geben Sie Ihre Telefonnummer ein, und wir senden Ihnen einen Code per SMS.",
    phone_label: "Telefonnummer",
    country_label: "Ländervorwahl",
    phone_placeholder: "Telefonnummer",
    phone_submit: "Code per SMS senden",
    code_title: "Prüfen Sie Ihre E-Mails",
    sms_code_title: "Prüfen Sie Ihr Telefon",
    code_subtitle: "Wir haben einen 6-stelligen Code an {} gesendet.",
    code_resent: "Wir haben einen neuen Code an {} gesendet.",
    code_label: "Bestätigungscode",
    code_submit: "Bestätigen",
    resend: "Code erneut senden",
    resend_in: "Erneut senden in {} s",
    use_another_email: "Andere E-Mail-Adresse",
    use_another_phone: "Andere Nummer",
    link_title: "Prüfen Sie Ihre E-Mails",
    link_subtitle: "Wir haben einen Anmeldelink an {} gesendet. Öffnen Sie ihn auf einem beliebigen Gerät, um hier fortzufahren.",
    link_resent: "Wir haben einen neuen Anmeldelink an {} gesendet.",
    link_waiting: "Wir warten, bis Sie den Link öffnen…",
    resend_link: "Link erneut senden",
    resend_link_in: "Erneut senden in {} s",
    link_expired_title: "Der Link ist abgelaufen",
    link_expired: "Der an {} gesendete Anmeldelink ist nicht mehr gültig. Starten Sie neu, um einen neuen zu erhalten.",
    start_again: "Neu starten",
    finishing: "Anmeldung wird abgeschlossen…",
    success_title: "Sie sind angemeldet",
    signed_in_as: "Angemeldet als {}",
    loading: "Bitte warten…",
    secured_by: "Gesichert durch SSOJet",
    errors: ErrorTexts {
        invalid_email: "Geben Sie eine gültige E-Mail-Adresse ein.",
        invalid_phone: "Geben Sie eine gültige Telefonnummer ein.",
        code_incomplete: "Geben Sie den 6-stelligen Code ein, den wir Ihnen gesendet haben.",
        invalid_otp: "Der Code ist nicht richtig. Prüfen Sie ihn und versuchen Sie es erneut.",
        otp_expired: "Der Code ist abgelaufen. Fordern Sie bitte einen neuen an.",
        too_many_attempts: "Zu viele falsche Codes. Fordern Sie bitte einen neuen an.",
        rate_limited_for: "Zu viele Versuche. Versuchen Sie es in {} Sekunden erneut.",
        rate_limited: "Zu viele Versuche. Versuchen Sie es gleich noch einmal.",
        invalid_origin: "Diese Website darf sich nicht mit dieser Anwendung anmelden.",
        invalid_client: "Dieses Anmeldeformular ist falsch eingerichtet (unbekannter Client).",
        invalid_grant: "Die Anmeldung konnte nicht abgeschlossen werden. Bitte starten Sie neu.",
        method_not_enabled: "Diese Anmeldeart ist hier nicht verfügbar.",
        delivery_failed: "Die Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.",
        network: "Der Anmeldedienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
        browser: "Dieser Browser kann sich auf dieser Seite nicht anmelden (eine sichere https-Seite ist nötig).",
        fallback: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
    },
    passkey: PasskeyTexts {
        sign_in: "Mit Passkey anmelden",
        or: "oder",
        offer_title: "Nächstes Mal schneller anmelden",
        offer_body: "Fügen Sie einen Passkey hinzu, um sich mit Fingerabdruck, Gesicht oder Bildschirmsperre statt mit einem Code anzumelden.",
        add: "Passkey hinzufügen",
        not_now: "Jetzt nicht",
        added: "Passkey hinzugefügt. Melden Sie sich nächstes Mal damit an.",
        manage: "Passkeys verwalten",
        list_title: "Ihre Passkeys",
        list_empty: "Sie haben noch keine Passkeys.",
        created: "Hinzugefügt am {}",
        last_used: "zuletzt verwendet am {}",
        name_label: "Name des Passkeys",
        rename: "Umbenennen",
        save: "Speichern",
        cancel: "Abbrechen",
        delete: "Löschen",
        confirm_delete: "Diesen Passkey löschen? Sie können sich dann nicht mehr damit anmelden.",
        cancelled: "Es wurde kein Passkey verwendet: Die Anfrage wurde abgebrochen, ist abgelaufen, oder dieses Gerät hat keinen Passkey für diese Website. Versuchen Sie es erneut oder melden Sie sich anders an.",
        failed: "Dieser Passkey konnte nicht geprüft werden. Versuchen Sie es erneut oder melden Sie sich anders an.",
        expired: "Die Passkey-Anfrage ist abgelaufen. Bitte versuchen Sie es erneut.",
        exists: "Dieses Gerät hat bereits einen Passkey für Ihr Konto.",
        not_allowed_here: "Passkeys können auf dieser Website nicht verwendet werden.",
        unsupported: "Dieser Browser kann hier keine Passkeys verwenden.",
        last_method: "Dies ist die letzte Anmeldemöglichkeit für Ihr Konto und kann nicht gelöscht werden.",
    },
    social: SocialTexts {
        continue_with: "Weiter mit {}",
        redirecting: "Weiterleitung zu {}…",
        access_denied: "Die Anmeldung wurde beim Anbieter abgebrochen. Versuchen Sie es erneut oder melden Sie sich anders an.",
        provider_error: "Der Anmeldeanbieter antwortet gerade nicht. Bitte versuchen Sie es erneut.",
        rejected: "Diese Anmeldung konnte nicht angenommen werden. Bitte beginnen Sie von vorn.",
        sso_required: "Ihre Organisation meldet sich über ihr eigenes Single Sign-on an. Geben Sie oben Ihre geschäftliche E-Mail-Adresse ein, um dort fortzufahren.",
        unverified_email: "Ein Konto mit dieser E-Mail-Adresse existiert, aber der Anbieter hat die Adresse nicht bestätigt. Melden Sie sich zuerst mit einem E-Mail-Code an.",
    },
};

/// French.
pub const FR: Texts = Texts {
    title: "Connexion",
    subtitle: "Saisissez votre e-mail et nous vous enverrons un code de connexion.",
    subtitle_link: "Saisissez votre e-mail et nous vous enverrons un lien de connexion.",
    subtitle_code_or_link: "Saisissez votre e-mail pour recevoir un code ou un lien de connexion.",
    email_label: "Adresse e-mail",
    email_placeholder: "vous@exemple.fr",
    email_submit: "Continuer",
    email_code_submit: "Recevoir un code par e-mail",
    magic_link_submit: "Recevoir un lien par e-mail",
    use_phone: "Utiliser plutôt le téléphone",
    use_email: "Utiliser plutôt l’e-mail",
    phone_subtitle: "Saisissez votre numéro et nous vous enverrons un code par SMS.",
    phone_label: "Numéro de téléphone",
    country_label: "Indicatif du pays",
    phone_placeholder: "Numéro de téléphone",
    phone_submit: "Recevoir un code par SMS",
    code_title: "Consultez vos e-mails",
    sms_code_title: "Consultez votre téléphone",
    code_subtitle: "Nous avons envoyé un code à 6 chiffres à {}.",
    code_resent: "Nous avons envoyé un nouveau code à {}.",
    code_label: "Code de vérification",
    code_submit: "Vérifier",
    resend: "Renvoyer le code",
    resend_in: "Renvoyer dans {} s",
    use_another_email: "Utiliser un autre e-mail",
    use_another_phone: "Utiliser un autre numéro",
    link_title: "Consultez vos e-mails",
    link_subtitle: "Nous avons envoyé un lien de connexion à {}. Ouvrez-le sur n’importe quel appareil pour continuer ici.",
    link_resent: "Nous avons envoyé un nouveau lien à {}.",
    link_waiting: "En attente de l’ouverture du lien…",
    resend_link: "Renvoyer le lien",
    resend_link_in: "Renvoyer dans {} s",
    link_expired_title: "Le lien a expiré",
    link_expired: "Le lien envoyé à {} n’est plus valide. Recommencez pour en recevoir un nouveau.",
    start_again: "Recommencer",
    finishing: "Connexion en cours…",
    success_title: "Vous êtes connecté",
    signed_in_as: "Connecté en tant que {}",
    loading: "Veuillez patienter…",
    secured_by: "Sécurisé par SSOJet",
    errors: ErrorTexts {
        invalid_email: "Saisissez une adresse e-mail valide.",
        invalid_phone: "Saisissez un numéro de téléphone valide.",
        code_incomplete: "Saisissez le code à 6 chiffres que nous vous avons envoyé.",
        invalid_otp: "Ce code n’est pas correct. Vérifiez-le et réessayez.",
        otp_expired: "Ce code a expiré. Demandez-en un nouveau.",
        too_many_attempts: "Trop de codes erronés. Demandez-en un nouveau.",
        rate_limited_for: "Trop de tentatives. Réessayez dans {} secondes.",
        rate_limited: "Trop de tentatives. Réessayez dans un instant.",
        invalid_origin: "Ce site n’est pas autorisé à se connecter avec cette application.",
        invalid_client: "Ce formulaire de connexion est mal configuré (client inconnu).",
        invalid_grant: "La connexion n’a pas pu aboutir. Veuillez recommencer.",
        method_not_enabled: "Ce mode de connexion n’est pas disponible ici.",
        delivery_failed: "Le message n’a pas pu être envoyé. Veuillez réessayer.",
        network: "Le service de connexion est injoignable. Vérifiez votre connexion et réessayez.",
        browser: "Ce navigateur ne peut pas se connecter sur cette page (une page https sécurisée est nécessaire).",
        fallback: "Une erreur s’est produite. Veuillez réessayer.",
    },
    passkey: PasskeyTexts {
        sign_in: "Se connecter avec une clé d’accès",
        or: "ou",
        offer_title: "Connectez-vous plus vite la prochaine fois",
        offer_body: "Ajoutez une clé d’accès pour vous connecter avec votre empreinte, votre visage ou le verrouillage de l’écran au lieu d’un code.",
        add: "Ajouter une clé d’accès",
        not_now: "Plus tard",
        added: "Clé d’accès ajoutée. La prochaine fois, connectez-vous avec elle.",
        manage: "Gérer les clés d’accès",
        list_title: "Vos clés d’accès",
        list_empty: "Vous n’avez pas encore de clé d’accès.",
        created: "Ajoutée le {}",
        last_used: "dernière utilisation le {}",
        name_label: "Nom de la clé d’accès",
        rename: "Renommer",
        save: "Enregistrer",
        cancel: "Annuler",
        delete: "Supprimer",
        confirm_delete: "Supprimer cette clé d’accès ? Vous ne pourrez plus vous connecter avec elle.",
        cancelled: "Aucune clé d’accès n’a été utilisée : la demande a été annulée ou a expiré, ou cet appareil n’a pas de clé d’accès pour ce site. Réessayez ou connectez-vous autrement.",
        failed: "Cette clé d’accès n’a pas pu être vérifiée. Réessayez ou connectez-vous autrement.",
        expired: "La demande de clé d’accès a expiré. Veuillez réessayer.",
        exists: "Cet appareil a déjà une clé d’accès pour votre compte.",
        not_allowed_here: "Les clés d’accès ne peuvent pas être utilisées sur ce site.",
        unsupported: "Ce navigateur ne peut pas utiliser de clés d’accès ici.",
        last_method: "C’est le dernier moyen de vous connecter à votre compte : il ne peut pas être supprimé.",
    },
    social: SocialTexts {
        continue_with: "Continuer avec {}",
        redirecting: "Redirection vers {}…",
        access_denied: "La connexion a été annulée chez le fournisseur. Réessayez ou connectez-vous autrement.",
        provider_error: "Le fournisseur de connexion ne répond pas pour le moment. Veuillez réessayer.",
        rejected: "Cette connexion n’a pas pu être acceptée. Veuillez recommencer.",
        sso_required: "Votre organisation se connecte avec sa propre authentification unique. Saisissez votre adresse e-mail professionnelle ci-dessus pour continuer.",
        unverified_email: "Un compte existe avec cette adresse, mais le fournisseur ne l’a pas vérifiée. Connectez-vous d’abord avec un code par e-mail.",
    },
};

/// Spanish.
pub const ES: Texts = Texts {
    title: "Iniciar sesión",
    subtitle: "Introduce tu correo y te enviaremos un código de acceso.",
    subtitle_link: "Introduce tu correo y te enviaremos un enlace de acceso.",
    subtitle_code_or_link: "Introduce tu correo para recibir un código o un enlace de acceso.",
    email_label: "Correo electrónico",
    email_placeholder: "tu@ejemplo.com",
    email_submit: "Continuar",
    email_code_submit: "Enviarme un código",
    magic_link_submit: "Enviarme un enlace de acceso",
    use_phone: "Usar el teléfono",
    use_email: "Usar el correo",
    phone_subtitle: "Introduce tu número y te enviaremos un código por SMS.",
    phone_label: "Número de teléfono",
    country_label: "Prefijo del país",
    phone_placeholder: "Número de teléfono",
    phone_submit: "Enviarme un código por SMS",
    code_title: "Revisa tu correo",
    sms_code_title: "Revisa tu teléfono",
    code_subtitle: "Hemos enviado un código de 6 dígitos a {}.",
    code_resent: "Hemos enviado un código nuevo a {}.",
    code_label: "Código de verificación",
    code_submit: "Verificar",
    resend: "Reenviar código",
    resend_in: "Reenviar en {} s",
    use_another_email: "Usar otro correo",
    use_another_phone: "Usar otro número",
    link_title: "Revisa tu correo",
    link_subtitle: "Hemos enviado un enlace de acceso a {}. Ábrelo en cualquier dispositivo para continuar aquí.",
    link_resent: "Hemos enviado un enlace nuevo a {}.",
    link_waiting: "Esperando a que abras el enlace…",
    resend_link: "Reenviar enlace",
    resend_link_in: "Reenviar en {} s",
    link_expired_title: "El enlace ha caducado",
    link_expired: "El enlace enviado a {} ya no es válido. Empieza de nuevo para recibir otro.",
    start_again: "Empezar de nuevo",
    finishing: "Completando el inicio de sesión…",
    success_title: "Has iniciado sesión",
    signed_in_as: "Sesión iniciada como {}",
    loading: "Espera un momento…",
    secured_by: "Protegido por SSOJet",
    errors: ErrorTexts {
        invalid_email: "Introduce un correo electrónico válido.",
        invalid_phone: "Introduce un número de teléfono válido.",
        code_incomplete: "Introduce el código de 6 dígitos que te enviamos.",
        invalid_otp: "El código no es correcto. Revísalo e inténtalo de nuevo.",
        otp_expired: "El código ha caducado. Solicita uno nuevo.",
        too_many_attempts: "Demasiados códigos incorrectos. Solicita uno nuevo.",
        rate_limited_for: "Demasiados intentos. Inténtalo de nuevo en {} segundos.",
        rate_limited: "Demasiados intentos. Inténtalo de nuevo en un momento.",
        invalid_origin: "Este sitio no puede iniciar sesión con esta aplicación.",
        invalid_client: "Este formulario de acceso no está bien configurado (cliente desconocido).",
        invalid_grant: "No se pudo completar el inicio de sesión. Empieza de nuevo.",
        method_not_enabled: "Este método de acceso no está disponible aquí.",
        delivery_failed: "No pudimos enviar el mensaje. Inténtalo de nuevo.",
        network: "No se puede contactar con el servicio de acceso. Revisa tu conexión e inténtalo de nuevo.",
        browser: "Este navegador no puede iniciar sesión en esta página (se necesita una página https segura).",
        fallback: "Algo salió mal. Inténtalo de nuevo.",
    },
    passkey: PasskeyTexts {
        sign_in: "Iniciar sesión con una llave de acceso",
        or: "o",
        offer_title: "Inicia sesión más rápido la próxima vez",
        offer_body: "Añade una llave de acceso para iniciar sesión con tu huella, tu cara o el bloqueo de pantalla en lugar de un código.",
        add: "Añadir una llave de acceso",
        not_now: "Ahora no",
        added: "Llave de acceso añadida. La próxima vez, inicia sesión con ella.",
        manage: "Gestionar llaves de acceso",
        list_title: "Tus llaves de acceso",
        list_empty: "Aún no tienes llaves de acceso.",
        created: "Añadida el {}",
        last_used: "último uso el {}",
        name_label: "Nombre de la llave de acceso",
        rename: "Cambiar nombre",
        save: "Guardar",
        cancel: "Cancelar",
        delete: "Eliminar",
        confirm_delete: "¿Eliminar esta llave de acceso? Ya no podrás iniciar sesión con ella.",
        cancelled: "No se usó ninguna llave de acceso: la solicitud se canceló o caducó, o este dispositivo no tiene una llave de acceso para este sitio. Inténtalo de nuevo o usa otra forma de iniciar sesión.",
        failed: "No se pudo verificar esa llave de acceso. Inténtalo de nuevo o usa otra forma de iniciar sesión.",
        expired: "La solicitud de la llave de acceso caducó. Inténtalo de nuevo.",
        exists: "Este dispositivo ya tiene una llave de acceso para tu cuenta.",
        not_allowed_here: "Las llaves de acceso no se pueden usar en este sitio.",
        unsupported: "Este navegador no puede usar llaves de acceso aquí.",
        last_method: "Es la última forma de iniciar sesión en tu cuenta, así que no se puede eliminar.",
    },
    social: SocialTexts {
        continue_with: "Continuar con {}",
        redirecting: "Te llevamos a {}…",
        access_denied: "El inicio de sesión se canceló en el proveedor. Inténtalo de nuevo o usa otra forma de iniciar sesión.",
        provider_error: "El proveedor de inicio de sesión no responde ahora. Inténtalo de nuevo.",
        rejected: "No se pudo aceptar ese inicio de sesión. Empieza de nuevo.",
        sso_required: "Tu organización inicia sesión con su propio inicio de sesión único. Escribe tu correo del trabajo arriba para continuar allí.",
        unverified_email: "Ya existe una cuenta con este correo, pero el proveedor no ha verificado la dirección. Inicia sesión primero con un código por correo.",
    },
};

/// Japanese.
pub const JA: Texts = Texts {
    title: "ログイン",
    subtitle: "メールアドレスを入力すると、ログインコードをお送りします。",
    subtitle_link: "メールアドレスを入力すると、ログインリンクをお送りします。",
    subtitle_code_or_link: "メールアドレスを入力して、ログインコードまたはリンクを受け取ってください。",
    email_label: "メールアドレス",
    email_placeholder: "you@example.com",
    email_submit: "続ける",
    email_code_submit: "コードをメールで受け取る",
    magic_link_submit: "ログインリンクをメールで受け取る",
    use_phone: "電話番号を使う",
    use_email: "メールアドレスを使う",
    phone_subtitle: "電話番号を入力すると、SMSでログインコードをお送りします。",
    phone_label: "電話番号",
    country_label: "国番号",
    phone_placeholder: "電話番号",
    phone_submit: "SMSでコードを受け取る",
    code_title: "メールを確認してください",
    sms_code_title: "SMSを確認してください",
    code_subtitle: "{} に6桁のコードを送信しました。",
    code_resent: "{} に新しいコードを送信しました。",
    code_label: "確認コード",
    code_submit: "確認",
    resend: "コードを再送信",
    resend_in: "{} 秒後に再送信できます",
    use_another_email: "別のメールアドレスを使う",
    use_another_phone: "別の電話番号を使う",
    link_title: "メールを確認してください",
    link_subtitle: "{} にログインリンクを送信しました。どの端末で開いても、ここでログインが完了します。",
    link_resent: "{} に新しいログインリンクを送信しました。",
    link_waiting: "リンクが開かれるのを待っています…",
    resend_link: "リンクを再送信",
    resend_link_in: "{} 秒後に再送信できます",
    link_expired_title: "リンクの有効期限が切れました",
    link_expired: "{} に送信したログインリンクは無効になりました。もう一度やり直してください。",
    start_again: "やり直す",
    finishing: "ログインを完了しています…",
    success_title: "ログインしました",
    signed_in_as: "{} としてログイン中",
    loading: "お待ちください…",
    secured_by: "SSOJet により保護されています",
    errors: ErrorTexts {
        invalid_email: "有効なメールアドレスを入力してください。",
        invalid_phone: "有効な電話番号を入力してください。",
        code_incomplete: "送信された6桁のコードを入力してください。",
        invalid_otp: "コードが正しくありません。確認してもう一度お試しください。",
        otp_expired: "コードの有効期限が切れました。新しいコードをリクエストしてください。",
        too_many_attempts: "誤ったコードが多すぎます。新しいコードをリクエストしてください。",
        rate_limited_for: "試行回数が多すぎます。{} 秒後にもう一度お試しください。",
        rate_limited: "試行回数が多すぎます。しばらくしてからもう一度お試しください。",
        invalid_origin: "このサイトはこのアプリケーションでログインできません。",
        invalid_client: "このログインフォームは正しく設定されていません（不明なクライアント）。",
        invalid_grant: "ログインを完了できませんでした。もう一度やり直してください。",
        method_not_enabled: "このログイン方法はここでは利用できません。",
        delivery_failed: "メッセージを送信できませんでした。もう一度お試しください。",
        network: "ログインサービスに接続できません。接続を確認してもう一度お試しください。",
        browser: "このブラウザではこのページでログインできません（安全な https ページが必要です）。",
        fallback: "問題が発生しました。もう一度お試しください。",
    },
    passkey: PasskeyTexts {
        sign_in: "パスキーでログイン",
        or: "または",
        offer_title: "次回はもっと速くログイン",
        offer_body: "パスキーを追加すると、コードの代わりに指紋、顔、画面ロックでログインできます。",
        add: "パスキーを追加",
        not_now: "今はしない",
        added: "パスキーを追加しました。次回はパスキーでログインしてください。",
        manage: "パスキーを管理",
        list_title: "あなたのパスキー",
        list_empty: "パスキーはまだありません。",
        created: "{} に追加",
        last_used: "最終使用 {}",
        name_label: "パスキーの名前",
        rename: "名前を変更",
        save: "保存",
        cancel: "キャンセル",
        delete: "削除",
        confirm_delete: "このパスキーを削除しますか？ 削除するとこのパスキーでログインできなくなります。",
        cancelled: "パスキーは使用されませんでした。リクエストがキャンセルされたか時間切れになったか、このデバイスにこのサイトのパスキーがありません。もう一度試すか、別の方法でログインしてください。",
        failed: "このパスキーを確認できませんでした。もう一度試すか、別の方法でログインしてください。",
        expired: "パスキーのリクエストの有効期限が切れました。もう一度お試しください。",
        exists: "このデバイスにはすでにあなたのアカウントのパスキーがあります。",
        not_allowed_here: "このサイトではパスキーを使用できません。",
        unsupported: "このブラウザではここでパスキーを使用できません。",
        last_method: "これはアカウントにログインする最後の方法のため、削除できません。",
    },
    social: SocialTexts {
        continue_with: "{} で続行",
        redirecting: "{} に移動しています…",
        access_denied: "プロバイダーでログインがキャンセルされました。もう一度試すか、別の方法でログインしてください。",
        provider_error: "ログインプロバイダーが現在応答していません。もう一度お試しください。",
        rejected: "このログインは受け付けられませんでした。最初からやり直してください。",
        sso_required: "あなたの組織は独自のシングルサインオンでログインします。続行するには、上に勤務先のメールアドレスを入力してください。",
        unverified_email: "このメールアドレスのアカウントは存在しますが、プロバイダーがアドレスを確認していません。先にメールのコードでログインしてください。",
    },
};

impl Texts {
    /// The message to show for an API failure.
    pub fn error_message(&self, err: &ApiError) -> String {
        let (e, p, o) = (&self.errors, &self.passkey, &self.social);
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
                ErrorCode::InvalidPhone => e.invalid_phone.into(),
                ErrorCode::MethodNotEnabled => e.method_not_enabled.into(),
                ErrorCode::DeliveryFailed => e.delivery_failed.into(),
                ErrorCode::PasskeyFailed => p.failed.into(),
                ErrorCode::CeremonyExpired => p.expired.into(),
                ErrorCode::LastSignInMethod => p.last_method.into(),
                ErrorCode::AccessDenied => o.access_denied.into(),
                ErrorCode::ProviderError | ErrorCode::ProviderUnavailable => {
                    o.provider_error.into()
                }
                ErrorCode::InvalidIdToken
                | ErrorCode::InvalidState
                | ErrorCode::EmailDomainMismatch => o.rejected.into(),
                ErrorCode::SsoRequired => o.sso_required.into(),
                ErrorCode::UnverifiedEmail => o.unverified_email.into(),
                _ => e.fallback.into(),
            },
            ApiError::Passkey(err) => match err {
                PasskeyError::Cancelled | PasskeyError::Aborted => p.cancelled.into(),
                PasskeyError::AlreadyRegistered => p.exists.into(),
                PasskeyError::NotAllowedHere => p.not_allowed_here.into(),
                PasskeyError::Unsupported => p.unsupported.into(),
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
        assert_eq!(Locale::from_tag("de-CH"), Locale::De);
        assert_eq!(Locale::from_tag("FR"), Locale::Fr);
        assert_eq!(Locale::from_tag("es_MX"), Locale::Es);
        assert_eq!(Locale::from_tag("ja-JP"), Locale::Ja);
    }

    #[test]
    fn every_table_keeps_the_placeholders() {
        for t in [&EN, &DE, &FR, &ES, &JA] {
            for template in [
                t.code_subtitle,
                t.code_resent,
                t.resend_in,
                t.link_subtitle,
                t.link_resent,
                t.resend_link_in,
                t.link_expired,
                t.signed_in_as,
                t.errors.rate_limited_for,
            ] {
                assert_eq!(template.matches("{}").count(), 1, "{template}");
            }
        }
    }
}
