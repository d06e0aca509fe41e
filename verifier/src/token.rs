//! Parsing a compact JWS by hand, and checking its header and registered claims.
//!
//! Everything is read in one pass per JSON object, with borrowed strings where possible;
//! repeated member names are reported instead of letting the last one win.

use std::borrow::Cow;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{Malformed, VerifyError};

/// A token split into its three segments; nothing decoded yet.
#[derive(Debug)]
pub(crate) struct Parts<'t> {
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    /// `header "." payload`: what the signature covers.
    pub(crate) signing_input: &'t str,
    pub(crate) signature: &'t str,
}

/// Whether every byte is in the base64url alphabet. Every token passes through here, so the
/// test has no branches and no early exit: it compiles to vector compares.
fn is_base64url(segment: &str) -> bool {
    segment.bytes().fold(true, |ok, b| {
        let upper = b.wrapping_sub(b'A') < 26;
        let lower = b.wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        ok & (upper | lower | digit | (b == b'-') | (b == b'_'))
    })
}

/// Splits a compact JWS: the size cap, exactly three non-empty segments, unpadded base64url.
pub(crate) fn split(token: &str, max_len: usize) -> Result<Parts<'_>, VerifyError> {
    if token.len() > max_len {
        return Err(VerifyError::TooLarge {
            len: token.len(),
            max: max_len,
        });
    }
    let segments = VerifyError::Malformed(Malformed::Segments);
    let (header, rest) = token.split_once('.').ok_or(segments)?;
    let (payload, signature) = rest
        .split_once('.')
        .ok_or(VerifyError::Malformed(Malformed::Segments))?;
    if header.is_empty() || payload.is_empty() || signature.is_empty() || signature.contains('.') {
        return Err(VerifyError::Malformed(Malformed::Segments));
    }
    if !(is_base64url(header) && is_base64url(payload) && is_base64url(signature)) {
        return Err(VerifyError::Malformed(Malformed::Encoding));
    }
    Ok(Parts {
        header,
        payload,
        signing_input: &token[..header.len() + 1 + payload.len()],
        signature,
    })
}

/// Decodes one segment; `what` says which one on failure (non-canonical trailing bits).
pub(crate) fn decode(segment: &str, what: Malformed) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| VerifyError::Malformed(what))
}

/// Decodes a short segment into `buf` if it fits (no allocation), else onto the heap.
pub(crate) fn decode_small<'b, const N: usize>(
    segment: &str,
    buf: &'b mut [u8; N],
    what: Malformed,
) -> Result<Cow<'b, [u8]>, VerifyError> {
    // Three bytes per four characters, rounded up: what `decode_slice` needs room for.
    if segment.len().div_ceil(4) * 3 > N {
        return decode(segment, what).map(Cow::Owned);
    }
    let len = URL_SAFE_NO_PAD
        .decode_slice(segment, buf)
        .map_err(|_| VerifyError::Malformed(what))?;
    Ok(Cow::Borrowed(buf.get(..len).unwrap_or_default()))
}

/// A JSON string, borrowed from the input unless it had escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// How many unknown member names [`Seen`] keeps without allocating.
const INLINE_NAMES: usize = 16;
/// The index of a member the parser does not know by name.
const UNKNOWN: u32 = u32::MAX;

/// Member names seen so far in one object. Members the parser knows have an index (< 64)
/// and are tracked in a bit set; other names are kept, the first 16 in place (no allocation
/// for the objects tokens carry), the rest in a `Vec`.
struct Seen<'a> {
    known: u64,
    inline: [Str<'a>; INLINE_NAMES],
    len: usize,
    more: Vec<Str<'a>>,
    duplicate: Option<String>,
}

impl Default for Seen<'_> {
    fn default() -> Self {
        Self {
            known: 0,
            inline: std::array::from_fn(|_| Str(Cow::Borrowed(""))),
            len: 0,
            more: Vec::new(),
            duplicate: None,
        }
    }
}

impl<'a> Seen<'a> {
    /// Records member `name`, known as `index` (or [`UNKNOWN`]); `false` if it was seen
    /// before (the first duplicate is remembered).
    fn first_time(&mut self, index: u32, name: &Str<'a>) -> bool {
        let repeated = if index < 64 {
            let bit = 1 << index;
            let repeated = self.known & bit != 0;
            self.known |= bit;
            repeated
        } else {
            let inline = self.inline.get(..self.len).unwrap_or_default();
            let repeated = inline.iter().chain(&self.more).any(|seen| seen == name);
            if !repeated {
                match self.inline.get_mut(self.len) {
                    Some(slot) => {
                        *slot = name.clone();
                        self.len += 1;
                    }
                    None => self.more.push(name.clone()),
                }
            }
            repeated
        };
        if repeated && self.duplicate.is_none() {
            self.duplicate = Some(name.0.clone().into_owned());
        }
        !repeated
    }
}

/// The header parameters the verifier reads. `jku`, `x5u`, `x5c` and `jwk` are skipped
/// unread: keys come only from the configured source.
#[derive(Debug, Default)]
pub(crate) struct Header<'a> {
    pub(crate) alg: Option<Str<'a>>,
    pub(crate) kid: Option<Str<'a>>,
    pub(crate) typ: Option<Str<'a>>,
    cty: Option<Str<'a>>,
    crit: bool,
    b64: Option<bool>,
    zip: bool,
    duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = Header<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut header = Header::default();
                let mut seen = Seen::default();
                while let Some(name) = map.next_key::<Str<'de>>()? {
                    let index = match name.0.as_ref() {
                        "alg" => 0,
                        "kid" => 1,
                        "typ" => 2,
                        "cty" => 3,
                        "b64" => 4,
                        "crit" => 5,
                        "zip" => 6,
                        _ => UNKNOWN,
                    };
                    if !seen.first_time(index, &name) {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    match index {
                        0 => header.alg = Some(map.next_value()?),
                        1 => header.kid = Some(map.next_value()?),
                        2 => header.typ = Some(map.next_value()?),
                        3 => header.cty = Some(map.next_value()?),
                        4 => header.b64 = Some(map.next_value()?),
                        5 => {
                            header.crit = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        6 => {
                            header.zip = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                header.duplicate = seen.duplicate;
                Ok(header)
            }
        }
        deserializer.deserialize_map(HeaderVisitor)
    }
}

/// `at+jwt`, `AT+JWT` and `application/at+jwt` are the same type (RFC 8725bis §3.11).
pub(crate) fn normalize_type(typ: &str) -> &str {
    match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    }
}

impl<'a> Header<'a> {
    /// Parses the decoded header JSON.
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, VerifyError> {
        let header: Header<'a> =
            serde_json::from_slice(json).map_err(|_| VerifyError::Malformed(Malformed::Header))?;
        if let Some(name) = header.duplicate {
            return Err(VerifyError::DuplicateMember(name, "header"));
        }
        if header.alg.is_none() {
            return Err(VerifyError::Malformed(Malformed::Header));
        }
        if header.crit {
            return Err(VerifyError::UnsupportedCritical);
        }
        if header.b64 == Some(false) {
            return Err(VerifyError::UnsupportedHeader("b64"));
        }
        if header.zip {
            return Err(VerifyError::UnsupportedHeader("zip"));
        }
        if header
            .cty
            .as_ref()
            .is_some_and(|cty| normalize_type(&cty.0).eq_ignore_ascii_case("jwt"))
        {
            return Err(VerifyError::UnsupportedHeader("cty"));
        }
        Ok(header)
    }

    pub(crate) fn alg(&self) -> &str {
        self.alg.as_ref().map_or("", |alg| &alg.0)
    }

    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_ref().map(|kid| kid.0.as_ref())
    }

    /// Checks `typ` against `expected` (already normalized), ignoring case and the
    /// `application/` prefix.
    pub(crate) fn check_type(&self, expected: &str) -> Result<(), VerifyError> {
        match &self.typ {
            Some(typ) if normalize_type(&typ.0).eq_ignore_ascii_case(expected) => Ok(()),
            typ => Err(VerifyError::InvalidType {
                typ: typ.as_ref().map(|t| t.0.clone().into_owned()),
            }),
        }
    }
}

/// A NumericDate: integer or fractional seconds since the epoch, floored. Strings, booleans
/// and anything else are type errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumericDate(pub(crate) i64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        if let Some(i) = number.as_i64() {
            return Ok(Self(i));
        }
        match number.as_f64() {
            // Saturating float-to-int conversion: huge values stay huge, never wrap.
            #[allow(clippy::cast_possible_truncation)]
            Some(f) if f.is_finite() => Ok(Self(f.floor() as i64)),
            _ => Err(de::Error::custom("NumericDate out of range")),
        }
    }
}

/// `aud`: a string or an array of strings.
#[derive(Debug, Default)]
pub(crate) struct Audiences<'a> {
    pub(crate) all: Vec<Str<'a>>,
    /// It was a string, not an array.
    pub(crate) single: bool,
}

impl<'de> Deserialize<'de> for Audiences<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudVisitor;
        impl<'de> Visitor<'de> for AudVisitor {
            type Value = Audiences<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Audiences {
                    all: vec![Str(Cow::Borrowed(v))],
                    single: true,
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Audiences {
                    all: vec![Str(Cow::Owned(v.to_owned()))],
                    single: true,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<Str<'de>>()? {
                    all.push(one);
                }
                Ok(Audiences { all, single: false })
            }
        }
        deserializer.deserialize_any(AudVisitor)
    }
}

/// Claims beyond the registered ones, read in the same pass over the payload (so
/// [`Verifier::verify`](crate::Verifier::verify) parses the claims once).
pub(crate) trait Extra<'de>: Default {
    /// The index (below 32) of member `name` if it is one of ours.
    fn index(name: &str) -> Option<u32>;
    /// Reads the value of our member number `index`.
    fn read<A: MapAccess<'de>>(&mut self, index: u32, map: &mut A) -> Result<(), A::Error>;
}

/// No extra claims: only the registered ones are read.
impl<'de> Extra<'de> for () {
    fn index(_: &str) -> Option<u32> {
        None
    }
    fn read<A: MapAccess<'de>>(&mut self, _: u32, map: &mut A) -> Result<(), A::Error> {
        map.next_value::<IgnoredAny>().map(|_| ())
    }
}

/// Where the [`Extra`] members' indexes start in [`Seen`].
const EXTRA_BASE: u32 = 16;

/// The registered claims the verifier checks, plus the `X` ones the caller wants.
#[derive(Debug, Default)]
pub(crate) struct Registered<'a, X = ()> {
    pub(crate) iss: Option<Str<'a>>,
    pub(crate) sub: Option<Str<'a>>,
    pub(crate) aud: Option<Audiences<'a>>,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) jti: Option<Str<'a>>,
    pub(crate) client_id: Option<Str<'a>>,
    azp: Option<Str<'a>>,
    duplicate: Option<String>,
    pub(crate) extra: X,
}

impl<'de, X: Extra<'de>> Deserialize<'de> for Registered<'de, X> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ClaimsVisitor<X>(std::marker::PhantomData<X>);
        impl<'de, X: Extra<'de>> Visitor<'de> for ClaimsVisitor<X> {
            type Value = Registered<'de, X>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWT claims object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut claims = Registered::<X>::default();
                let mut seen = Seen::default();
                while let Some(name) = map.next_key::<Str<'de>>()? {
                    let index = match name.0.as_ref() {
                        "iss" => 0,
                        "sub" => 1,
                        "aud" => 2,
                        "exp" => 3,
                        "nbf" => 4,
                        "iat" => 5,
                        "jti" => 6,
                        "client_id" => 7,
                        "azp" => 8,
                        other => X::index(other).map_or(UNKNOWN, |i| EXTRA_BASE + i),
                    };
                    if !seen.first_time(index, &name) {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    match index {
                        0 => claims.iss = Some(map.next_value()?),
                        1 => claims.sub = Some(map.next_value()?),
                        2 => claims.aud = Some(map.next_value()?),
                        3 => claims.exp = Some(map.next_value()?),
                        4 => claims.nbf = Some(map.next_value()?),
                        5 => claims.iat = Some(map.next_value()?),
                        6 => claims.jti = Some(map.next_value()?),
                        7 => claims.client_id = Some(map.next_value()?),
                        8 => claims.azp = Some(map.next_value()?),
                        UNKNOWN => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        extra => claims.extra.read(extra - EXTRA_BASE, &mut map)?,
                    }
                }
                claims.duplicate = seen.duplicate;
                Ok(claims)
            }
        }
        deserializer.deserialize_map(ClaimsVisitor(std::marker::PhantomData))
    }
}

/// Claims that must be present beyond `iss`, `aud` and `exp` (which always are).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Required {
    pub(crate) sub: bool,
    pub(crate) iat: bool,
    pub(crate) jti: bool,
    pub(crate) client_id: bool,
}

/// What the registered claims are checked against.
#[derive(Debug)]
pub(crate) struct Expectations<'a> {
    pub(crate) issuer: &'a str,
    /// `None`: the audience check was turned off (`insecure_accept_any_audience`).
    pub(crate) audiences: Option<&'a [String]>,
    pub(crate) authorized_parties: Option<&'a [String]>,
    pub(crate) required: Required,
    pub(crate) now: i64,
    pub(crate) leeway: i64,
}

/// Parses the (already signature-checked) payload in one pass, with the `X` claims, and
/// checks the registered claims.
pub(crate) fn check_claims<'a, X: Extra<'a>>(
    payload: &'a [u8],
    expect: &Expectations<'_>,
) -> Result<Registered<'a, X>, VerifyError> {
    let claims: Registered<'a, X> =
        serde_json::from_slice(payload).map_err(VerifyError::InvalidClaims)?;
    if let Some(name) = &claims.duplicate {
        return Err(VerifyError::DuplicateMember(name.clone(), "claims"));
    }

    let iss = claims
        .iss
        .as_ref()
        .ok_or(VerifyError::MissingClaim("iss"))?;
    if iss.0 != expect.issuer {
        return Err(VerifyError::InvalidIssuer);
    }

    let NumericDate(exp) = claims.exp.ok_or(VerifyError::MissingClaim("exp"))?;
    if exp <= expect.now.saturating_sub(expect.leeway) {
        return Err(VerifyError::Expired);
    }
    let latest = expect.now.saturating_add(expect.leeway);
    if let Some(NumericDate(nbf)) = claims.nbf
        && nbf > latest
    {
        return Err(VerifyError::NotYetValid);
    }
    if let Some(NumericDate(iat)) = claims.iat
        && iat > latest
    {
        return Err(VerifyError::IssuedInFuture);
    }

    let aud = claims
        .aud
        .as_ref()
        .ok_or(VerifyError::MissingClaim("aud"))?;
    if let Some(accepted) = expect.audiences
        && !aud.all.iter().any(|a| accepted.iter().any(|b| *b == a.0))
    {
        return Err(VerifyError::InvalidAudience);
    }

    let required = expect.required;
    if required.sub && claims.sub.is_none() {
        return Err(VerifyError::MissingClaim("sub"));
    }
    if required.iat && claims.iat.is_none() {
        return Err(VerifyError::MissingClaim("iat"));
    }
    if required.jti && claims.jti.is_none() {
        return Err(VerifyError::MissingClaim("jti"));
    }
    if required.client_id && claims.client_id.is_none() {
        return Err(VerifyError::MissingClaim("client_id"));
    }
    if let Some(parties) = expect.authorized_parties {
        let party = claims.azp.as_ref().or(claims.client_id.as_ref());
        if !party.is_some_and(|p| parties.iter().any(|q| *q == p.0)) {
            return Err(VerifyError::UnauthorizedParty);
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn compact_form_only() {
        let ok = format!("{}.{}.c2ln", b64("{}"), b64("{}"));
        assert!(split(&ok, 8192).is_ok());
        for bad in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "a.b.c.d.e",
            ".b.c",
            "a..c",
            "a.b.",
        ] {
            assert!(
                matches!(
                    split(bad, 8192),
                    Err(VerifyError::Malformed(Malformed::Segments))
                ),
                "{bad:?} should be malformed"
            );
        }
        for bad in [
            format!("{ok}="),
            format!("{ok}+"),
            format!("{ok} "),
            format!("a/.{ok}"),
        ] {
            assert!(
                matches!(split(&bad, 8192), Err(VerifyError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn small_segments_decode_in_place() {
        let mut buf = [0; 6];
        for text in ["", "a", "abcdef", "abcdefg"] {
            let segment = b64(text);
            let decoded = decode_small(&segment, &mut buf, Malformed::Payload).unwrap();
            assert_eq!(decoded.as_ref(), text.as_bytes());
            assert_eq!(
                matches!(decoded, Cow::Borrowed(_)),
                text.len() <= 6,
                "{text}"
            );
        }
        assert!(matches!(
            decode_small("a", &mut buf, Malformed::Payload),
            Err(VerifyError::Malformed(Malformed::Payload))
        ));
    }

    #[test]
    fn size_cap() {
        let ok = "e30.e30.c2ln";
        assert!(matches!(
            split(ok, ok.len() - 1),
            Err(VerifyError::TooLarge { .. })
        ));
        assert!(split(ok, ok.len()).is_ok());
    }

    #[test]
    fn header_rules() {
        let parse = |json: &str| Header::parse(json.as_bytes()).map(|_| ());
        assert!(parse(r#"{"alg":"RS256","kid":"k","typ":"at+jwt"}"#).is_ok());
        assert!(matches!(
            parse(r#"{"typ":"at+jwt"}"#),
            Err(VerifyError::Malformed(_))
        ));
        assert!(matches!(
            parse(r#"{"alg":1}"#),
            Err(VerifyError::Malformed(_))
        ));
        assert!(matches!(
            parse(r#"["alg"]"#),
            Err(VerifyError::Malformed(_))
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","alg":"none"}"#),
            Err(VerifyError::DuplicateMember(name, "header")) if name == "alg"
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","x":1,"\u0078":2}"#),
            Err(VerifyError::DuplicateMember(..))
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","\u0061lg":"none"}"#),
            Err(VerifyError::DuplicateMember(name, "header")) if name == "alg"
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","crit":["exp"]}"#),
            Err(VerifyError::UnsupportedCritical)
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","b64":false}"#),
            Err(VerifyError::UnsupportedHeader("b64"))
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","cty":"JWT"}"#),
            Err(VerifyError::UnsupportedHeader("cty"))
        ));
        assert!(matches!(
            parse(r#"{"alg":"RS256","zip":"DEF"}"#),
            Err(VerifyError::UnsupportedHeader("zip"))
        ));
    }

    #[test]
    fn typ_normalization() {
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/AT+JWT",
        ] {
            let json = json!({"alg": "RS256", "typ": typ}).to_string();
            assert!(
                Header::parse(json.as_bytes())
                    .unwrap()
                    .check_type("at+jwt")
                    .is_ok(),
                "{typ}"
            );
        }
        for typ in [
            json!(null),
            json!("JWT"),
            json!("at+jwt "),
            json!("application/jwt"),
        ] {
            let json = json!({"alg": "RS256", "typ": typ}).to_string();
            let header = Header::parse(json.as_bytes());
            assert!(
                header.is_err() || header.unwrap().check_type("at+jwt").is_err(),
                "{typ}"
            );
        }
    }

    fn check(payload: &serde_json::Value) -> Result<(), VerifyError> {
        let audiences = vec!["api".to_owned()];
        let expect = Expectations {
            issuer: "https://i",
            audiences: Some(&audiences),
            authorized_parties: None,
            required: Required::default(),
            now: 1000,
            leeway: 30,
        };
        check_claims::<()>(payload.to_string().as_bytes(), &expect).map(|_| ())
    }

    #[test]
    fn duplicate_claims_past_the_inline_names() {
        let mut json = String::from(r#"{"iss":"https://i","aud":"api","exp":2000"#);
        for i in 0..40 {
            json.push_str(&format!(r#","c{i}":{i}"#));
        }
        let audiences = vec!["api".to_owned()];
        let expect = Expectations {
            issuer: "https://i",
            audiences: Some(&audiences),
            authorized_parties: None,
            required: Required::default(),
            now: 1000,
            leeway: 30,
        };
        let ok = format!("{json}}}");
        assert!(check_claims::<()>(ok.as_bytes(), &expect).is_ok());
        for repeated in ["c3", "c30", "exp", "\\u0065xp"] {
            let twice = format!(r#"{json},"{repeated}":1}}"#);
            assert!(
                matches!(
                    check_claims::<()>(twice.as_bytes(), &expect),
                    Err(VerifyError::DuplicateMember(_, "claims"))
                ),
                "{repeated}"
            );
        }
    }

    #[test]
    fn claims_edges() {
        let base = |exp: serde_json::Value| json!({"iss": "https://i", "aud": "api", "exp": exp});
        assert!(check(&base(json!(971))).is_ok());
        assert!(matches!(
            check(&base(json!(970))),
            Err(VerifyError::Expired)
        ));
        assert!(check(&base(json!(970.5))).is_err());
        assert!(check(&base(json!(971.5))).is_ok());
        assert!(matches!(
            check(&base(json!("2000"))),
            Err(VerifyError::InvalidClaims(_))
        ));
        assert!(matches!(
            check(&base(json!(true))),
            Err(VerifyError::InvalidClaims(_))
        ));
        assert!(matches!(
            check(&json!({"iss": "https://i", "aud": "api"})),
            Err(VerifyError::MissingClaim("exp"))
        ));
        assert!(matches!(
            check(&json!({"iss": "https://i", "aud": [], "exp": 2000})),
            Err(VerifyError::InvalidAudience)
        ));
        assert!(check(&json!({"iss": "https://i", "aud": ["x", "api"], "exp": 2000})).is_ok());
        assert!(matches!(
            check(&json!({"iss": "https://i", "aud": [1], "exp": 2000})),
            Err(VerifyError::InvalidClaims(_))
        ));
        let nbf = |nbf: i64| json!({"iss": "https://i", "aud": "api", "exp": 2000, "nbf": nbf});
        assert!(check(&nbf(1030)).is_ok());
        assert!(matches!(check(&nbf(1031)), Err(VerifyError::NotYetValid)));
        let iat = |iat: i64| json!({"iss": "https://i", "aud": "api", "exp": 2000, "iat": iat});
        assert!(check(&iat(1030)).is_ok());
        assert!(matches!(
            check(&iat(1031)),
            Err(VerifyError::IssuedInFuture)
        ));
    }
}
