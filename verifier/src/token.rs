//! Parsing a compact JWS and checking its header and registered claims.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::claims::Audience;
use crate::error::{Malformed, VerifyError};

/// The `typ` values accepted for access tokens (RFC 9068), compared case-insensitively.
const ACCESS_TOKEN_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// The header fields we read. `jku`, `x5u`, `jwk` and `x5c` are deliberately ignored: keys
/// come only from the configured source.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    #[serde(default)]
    pub(crate) typ: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// A token split into its parts; nothing verified yet.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub(crate) header: Header,
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) payload: Vec<u8>,
}

fn is_base64url(segment: &str) -> bool {
    segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Splits and decodes a compact JWS (`header.payload.signature`), checks its size and header
/// shape. JWE (five segments) and JSON serializations are refused.
pub(crate) fn parse(token: &str, max_len: usize) -> Result<Parsed<'_>, VerifyError> {
    if token.len() > max_len {
        return Err(VerifyError::TooLarge {
            len: token.len(),
            max: max_len,
        });
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed(Malformed::Segments));
    };
    if header_b64.is_empty() || payload_b64.is_empty() {
        return Err(VerifyError::Malformed(Malformed::Segments));
    }
    if !is_base64url(signature) {
        return Err(VerifyError::Malformed(Malformed::Signature));
    }
    let header_json = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| VerifyError::Malformed(Malformed::Header))?;
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|_| VerifyError::Malformed(Malformed::Header))?;
    if header.crit.is_some() {
        return Err(VerifyError::UnsupportedCritical);
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| VerifyError::Malformed(Malformed::Payload))?;
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Parsed {
        header,
        signing_input,
        signature,
        payload,
    })
}

/// Checks `typ` is an access token type.
pub(crate) fn check_type(header: &Header) -> Result<(), VerifyError> {
    match &header.typ {
        Some(typ)
            if ACCESS_TOKEN_TYPES
                .iter()
                .any(|t| typ.eq_ignore_ascii_case(t)) =>
        {
            Ok(())
        }
        typ => Err(VerifyError::InvalidType { typ: typ.clone() }),
    }
}

/// A NumericDate: integer or fractional seconds since the epoch, floored.
#[derive(Debug, Clone, Copy)]
struct NumericDate(i64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        if let Some(i) = number.as_i64() {
            return Ok(Self(i));
        }
        match number.as_f64() {
            // Saturating float-to-int conversion: huge values stay huge, never wrap.
            #[allow(clippy::cast_possible_truncation)]
            Some(f) if f.is_finite() => Ok(Self(f.floor() as i64)),
            _ => Err(serde::de::Error::custom("NumericDate out of range")),
        }
    }
}

/// The registered claims the verifier checks.
#[derive(Debug, Deserialize)]
struct Registered {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    exp: Option<NumericDate>,
    #[serde(default)]
    nbf: Option<NumericDate>,
    #[serde(default)]
    iat: Option<NumericDate>,
}

/// What the registered claims are checked against.
#[derive(Debug)]
pub(crate) struct Expectations<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) audiences: &'a [String],
    pub(crate) now: i64,
    pub(crate) leeway: i64,
}

/// Checks `iss`, `aud`, `exp`, `nbf` and `iat` in the (already signature-checked) payload.
pub(crate) fn check_claims(payload: &[u8], expect: &Expectations<'_>) -> Result<(), VerifyError> {
    let claims: Registered = serde_json::from_slice(payload).map_err(VerifyError::InvalidClaims)?;

    let iss = claims.iss.ok_or(VerifyError::MissingClaim("iss"))?;
    if iss != expect.issuer {
        return Err(VerifyError::InvalidIssuer);
    }

    let aud = claims.aud.ok_or(VerifyError::MissingClaim("aud"))?;
    if !expect.audiences.iter().any(|a| aud.contains(a)) {
        return Err(VerifyError::InvalidAudience);
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    fn token(header: &str, payload: &str, sig: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), sig)
    }

    #[test]
    fn compact_form_only() {
        let ok = token(r#"{"alg":"RS256"}"#, "{}", "c2ln");
        assert!(parse(&ok, 8192).is_ok());
        for bad in ["", "a", "a.b", "a.b.c.d", "a.b.c.d.e", ".b.c", "a..c"] {
            assert!(
                matches!(parse(bad, 8192), Err(VerifyError::Malformed(_))),
                "{bad:?} should be malformed"
            );
        }
        let padded = format!("{}=", ok);
        assert!(matches!(
            parse(&padded, 8192),
            Err(VerifyError::Malformed(Malformed::Signature))
        ));
    }

    #[test]
    fn size_cap() {
        let ok = token(r#"{"alg":"RS256"}"#, "{}", "c2ln");
        assert!(matches!(
            parse(&ok, ok.len() - 1),
            Err(VerifyError::TooLarge { .. })
        ));
        assert!(parse(&ok, ok.len()).is_ok());
    }

    #[test]
    fn header_must_be_json_with_alg() {
        let no_alg = token(r#"{"typ":"at+jwt"}"#, "{}", "c2ln");
        assert!(matches!(
            parse(&no_alg, 8192),
            Err(VerifyError::Malformed(Malformed::Header))
        ));
        let dup = token(r#"{"alg":"RS256","alg":"none"}"#, "{}", "c2ln");
        assert!(matches!(
            parse(&dup, 8192),
            Err(VerifyError::Malformed(Malformed::Header))
        ));
        let crit = token(
            r#"{"alg":"RS256","crit":["b64"],"b64":false}"#,
            "{}",
            "c2ln",
        );
        assert!(matches!(
            parse(&crit, 8192),
            Err(VerifyError::UnsupportedCritical)
        ));
    }

    #[test]
    fn typ_is_case_insensitive() {
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/AT+JWT",
        ] {
            let header = Header {
                alg: "RS256".into(),
                kid: None,
                typ: Some(typ.into()),
                crit: None,
            };
            assert!(check_type(&header).is_ok(), "{typ}");
        }
        for typ in [None, Some("JWT"), Some("at+jwt "), Some("id+jwt")] {
            let header = Header {
                alg: "RS256".into(),
                kid: None,
                typ: typ.map(Into::into),
                crit: None,
            };
            assert!(matches!(
                check_type(&header),
                Err(VerifyError::InvalidType { .. })
            ));
        }
    }

    fn check(payload: &serde_json::Value) -> Result<(), VerifyError> {
        let audiences = vec!["api".to_owned()];
        let expect = Expectations {
            issuer: "https://i",
            audiences: &audiences,
            now: 1000,
            leeway: 30,
        };
        check_claims(payload.to_string().as_bytes(), &expect)
    }

    #[test]
    fn claims_edges() {
        use serde_json::json;
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
            check(&json!({"iss": "https://i", "aud": "api"})),
            Err(VerifyError::MissingClaim("exp"))
        ));
        assert!(matches!(
            check(&json!({"aud": "api", "exp": 2000})),
            Err(VerifyError::MissingClaim("iss"))
        ));
        assert!(matches!(
            check(&json!({"iss": "https://i", "exp": 2000})),
            Err(VerifyError::MissingClaim("aud"))
        ));
        assert!(matches!(
            check(&json!({"iss": "https://i/", "aud": "api", "exp": 2000})),
            Err(VerifyError::InvalidIssuer)
        ));
        assert!(matches!(
            check(&json!({"iss": "https://i", "aud": [], "exp": 2000})),
            Err(VerifyError::InvalidAudience)
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
