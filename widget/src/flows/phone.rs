//! The phone step of the SMS-code flow: a country selector, a national number, and the
//! assembly of both into E.164. The code step after it is [`super::CodeStep`].

use leptos::{ev, html, prelude::*};

use crate::{
    components::{ErrorRegion, PhoneIcon, SubmitButton},
    i18n::{EN, Texts},
};

/// A country of the selector: ISO 3166 code and dial code (without `+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub iso: &'static str,
    /// Country calling code without `+`, e.g. `1`.
    pub dial: &'static str,
}

const fn c(iso: &'static str, dial: &'static str) -> Country {
    Country { iso, dial }
}

/// The countries offered, most common first.
pub const COUNTRIES: [Country; 22] = [
    c("US", "1"),
    c("CA", "1"),
    c("GB", "44"),
    c("DE", "49"),
    c("FR", "33"),
    c("ES", "34"),
    c("IT", "39"),
    c("NL", "31"),
    c("CH", "41"),
    c("AT", "43"),
    c("SE", "46"),
    c("PL", "48"),
    c("IE", "353"),
    c("IN", "91"),
    c("JP", "81"),
    c("KR", "82"),
    c("SG", "65"),
    c("AU", "61"),
    c("NZ", "64"),
    c("BR", "55"),
    c("MX", "52"),
    c("ZA", "27"),
];

/// The country with ISO code `iso` (case-insensitive).
pub fn country(iso: &str) -> Option<Country> {
    COUNTRIES
        .iter()
        .copied()
        .find(|c| c.iso.eq_ignore_ascii_case(iso))
}

/// The default country for a BCP 47 tag: its region when listed (`en-GB` → GB), else the
/// usual country of its language (`de` → DE, `ja` → JP), else the US.
pub fn country_for_locale(tag: &str) -> Country {
    let mut parts = tag.split(['-', '_']);
    let lang = parts.next().unwrap_or_default();
    // The region is the first two-letter subtag after the language (`zh-Hant-TW` → TW).
    let region = parts.find(|p| p.len() == 2).and_then(country);
    let by_language = || {
        let iso = match lang.to_ascii_lowercase().as_str() {
            "de" => "DE",
            "fr" => "FR",
            "es" => "ES",
            "it" => "IT",
            "nl" => "NL",
            "sv" => "SE",
            "pl" => "PL",
            "ja" => "JP",
            "ko" => "KR",
            "pt" => "BR",
            "hi" => "IN",
            _ => "US",
        };
        country(iso)
    };
    region.or_else(by_language).unwrap_or(COUNTRIES[0])
}

/// The E.164 form (`+` and 8 to 15 digits) of `input` typed with `dial` selected.
///
/// Spaces, dashes, dots and parentheses are ignored; one leading trunk `0` is dropped
/// (except in Italy, where it belongs to the number); a number typed with `+` or `00` keeps
/// its own country code; with `+1`, a leading `1` of an 11-digit number is the trunk
/// prefix. `None` for anything else than digits and separators, or a length E.164 cannot have.
pub fn to_e164(dial: &str, input: &str) -> Option<String> {
    let input = input.trim();
    let (international, rest) = if let Some(rest) = input.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = input.strip_prefix("00") {
        (true, rest)
    } else {
        (false, input)
    };
    let mut digits = String::with_capacity(16);
    for ch in rest.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return None,
        }
    }
    let number = if international {
        digits
    } else {
        let mut national = digits.as_str();
        if dial != "39" {
            national = national.strip_prefix('0').unwrap_or(national);
        }
        if dial == "1" && national.len() == 11 {
            national = national.strip_prefix('1').unwrap_or(national);
        }
        if national.len() < 4 || (dial == "1" && national.len() != 10) {
            return None;
        }
        let mut number = String::with_capacity(dial.len() + national.len());
        number.push_str(dial);
        number.push_str(national);
        number
    };
    if !(8..=15).contains(&number.len()) || number.starts_with('0') {
        return None;
    }
    let mut e164 = String::with_capacity(number.len() + 1);
    e164.push('+');
    e164.push_str(&number);
    Some(e164)
}

/// The phone number step.
#[component]
pub fn PhoneStep(
    /// ISO code of the selected country, kept when coming back to this step.
    country_iso: RwSignal<&'static str>,
    /// The number as typed, kept when coming back to this step.
    number: RwSignal<String>,
    /// The error shown under the field.
    error: RwSignal<Option<String>>,
    /// Whether the code is being sent.
    #[prop(into)]
    pending: Signal<bool>,
    /// Called with the number in E.164 form.
    #[prop(into)]
    on_submit: Callback<String>,
    /// "Use email instead", when email is offered too.
    #[prop(optional_no_strip)]
    on_use_email: Option<Callback<()>>,
    /// Move focus to the field on mount.
    #[prop(optional)]
    autofocus: bool,
    /// The texts; English when not given.
    #[prop(optional)]
    texts: Option<&'static Texts>,
) -> impl IntoView {
    let t = texts.unwrap_or(&EN);
    let input_ref = NodeRef::<html::Input>::new();
    if autofocus {
        Effect::new(move || {
            if let Some(input) = input_ref.get() {
                _ = input.focus();
            }
        });
    }
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let dial = country(country_iso.get_untracked()).map_or("1", |c| c.dial);
        match number.with_untracked(|n| to_e164(dial, n)) {
            Some(e164) => {
                error.set(None);
                on_submit.run(e164);
            }
            None => {
                error.set(Some(t.errors.invalid_phone.into()));
                if let Some(input) = input_ref.get_untracked() {
                    _ = input.focus();
                }
            }
        }
    };
    let options = COUNTRIES
        .iter()
        .map(|c| {
            let iso = c.iso;
            view! {
                <option value=iso selected=move || country_iso.get() == iso>
                    {iso}
                    " +"
                    {c.dial}
                </option>
            }
        })
        .collect_view();
    view! {
        <form class="ssojet-step" novalidate on:submit=submit>
            <div class="ssojet-badge">
                <PhoneIcon />
            </div>
            <h2 class="ssojet-title">{t.title}</h2>
            <p class="ssojet-subtitle">{t.phone_subtitle}</p>
            <div class="ssojet-field">
                <label class="ssojet-label" for="ssojet-phone">
                    {t.phone_label}
                </label>
                <div class="ssojet-phone">
                    <select
                        class="ssojet-input ssojet-country"
                        name="country"
                        autocomplete="tel-country-code"
                        aria-label=t.country_label
                        data-testid="country-select"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if let Some(c) = country(&value) {
                                country_iso.set(c.iso);
                            }
                        }
                    >
                        {options}
                    </select>
                    <input
                        node_ref=input_ref
                        id="ssojet-phone"
                        class="ssojet-input"
                        type="tel"
                        name="phone"
                        inputmode="tel"
                        autocomplete="tel-national"
                        required
                        placeholder=t.phone_placeholder
                        data-testid="phone-input"
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        prop:value=move || number.get()
                        on:input=move |ev| number.set(event_target_value(&ev))
                    />
                </div>
            </div>
            <ErrorRegion message=error />
            <SubmitButton
                label=t.phone_submit
                loading_label=t.loading
                testid="phone-submit"
                pending=pending
            />
            {on_use_email
                .map(|cb| {
                    view! {
                        <div class="ssojet-row ssojet-row-center">
                            <button
                                type="button"
                                class="ssojet-link"
                                data-testid="use-email"
                                on:click=move |_| cb.run(())
                            >
                                {t.use_email}
                            </button>
                        </div>
                    }
                })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_numbers_become_e164() {
        assert_eq!(
            to_e164("1", "415-555-0123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            to_e164("1", "(415) 555 0123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            to_e164("1", "1 415 555 0123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            to_e164("44", "07700 900123").as_deref(),
            Some("+447700900123")
        );
        assert_eq!(
            to_e164("49", "0151 2345 6789").as_deref(),
            Some("+4915123456789")
        );
        assert_eq!(
            to_e164("39", "06 1234 5678").as_deref(),
            Some("+390612345678")
        );
        assert_eq!(
            to_e164("44", "+49 151 23456789").as_deref(),
            Some("+4915123456789")
        );
        assert_eq!(
            to_e164("44", "0049 151 23456789").as_deref(),
            Some("+4915123456789")
        );
    }

    #[test]
    fn impossible_numbers_are_refused() {
        assert_eq!(to_e164("1", ""), None);
        assert_eq!(to_e164("1", "555 0123"), None);
        assert_eq!(to_e164("44", "12"), None);
        assert_eq!(to_e164("44", "0770O 900123"), None);
        assert_eq!(to_e164("44", "+44 7700 900123 4567 89"), None);
        assert_eq!(to_e164("44", "+0 123 456 789"), None);
        assert_eq!(to_e164("44", "+"), None);
    }

    #[test]
    fn the_default_country_follows_the_locale() {
        assert_eq!(country_for_locale("en-GB").iso, "GB");
        assert_eq!(country_for_locale("en").iso, "US");
        assert_eq!(country_for_locale("de").iso, "DE");
        assert_eq!(country_for_locale("de-AT").iso, "AT");
        assert_eq!(country_for_locale("ja").iso, "JP");
        assert_eq!(country_for_locale("fr-CA").iso, "CA");
        assert_eq!(country_for_locale("xx-ZZ").iso, "US");
        assert_eq!(country_for_locale("").iso, "US");
    }
}
