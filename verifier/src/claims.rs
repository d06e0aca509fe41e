//! The claims of our access tokens.

use serde::de::{Error as _, MapAccess};
use serde::{Deserialize, Serialize};

use crate::error::VerifyError;
use crate::token::{Extra, NumericDate, Registered};

/// The `aud` claim: one string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience (`"aud": "x"`).
    One(String),
    /// Several audiences (`"aud": ["x", "y"]`).
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is (one of) the audience(s).
    pub fn contains(&self, audience: &str) -> bool {
        self.iter().any(|a| a == audience)
    }

    /// The audiences, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let slice: &[String] = match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        };
        slice.iter().map(String::as_str)
    }
}

/// The claims of an access token issued by our server.
///
/// `iss`, `sub`, `aud`, `exp` and `iat` are required; lists default to empty. To read other
/// claims, or tokens of another shape, use [`Verifier::verify_as`](crate::Verifier::verify_as)
/// with your own type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Claims {
    /// Issuer: the server's public base URL.
    pub iss: String,
    /// Subject: the user id.
    pub sub: String,
    /// Audience: the client id, or the API audience the client configured.
    pub aud: Audience,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Not before, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Unique token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Authentication methods (RFC 8176): `otp`, `pop`, `hwk`, `fed`, `mfa`, ...
    #[serde(default)]
    pub amr: Vec<String>,
    /// The user's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The organization the session acts in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Permission names.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Space-separated OAuth scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Claims {
    /// Whether the token carries the role `role` (exact, case-sensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the token carries the permission `permission` (exact, case-sensitive).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// Whether `scope` is one of the space-separated scopes (exact, case-sensitive).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// The scopes, split on spaces.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// Whether the user authenticated with the method `amr` (RFC 8176 value).
    pub fn has_amr(&self, amr: &str) -> bool {
        self.amr.iter().any(|a| a == amr)
    }
}

/// The members of [`Claims`] that are not registered claims, read in the verifier's one
/// pass over the payload. Same types and defaults as the `Deserialize` derive.
#[derive(Debug, Default)]
pub(crate) struct ClaimsExtra {
    sid: Option<String>,
    amr: Option<Vec<String>>,
    email: Option<String>,
    org_id: Option<String>,
    roles: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    scope: Option<String>,
}

impl<'de> Extra<'de> for ClaimsExtra {
    fn index(name: &str) -> Option<u32> {
        Some(match name {
            "sid" => 0,
            "amr" => 1,
            "email" => 2,
            "org_id" => 3,
            "roles" => 4,
            "permissions" => 5,
            "scope" => 6,
            _ => return None,
        })
    }

    fn read<A: MapAccess<'de>>(&mut self, index: u32, map: &mut A) -> Result<(), A::Error> {
        match index {
            0 => self.sid = map.next_value()?,
            1 => self.amr = Some(map.next_value()?),
            2 => self.email = map.next_value()?,
            3 => self.org_id = map.next_value()?,
            4 => self.roles = Some(map.next_value()?),
            5 => self.permissions = Some(map.next_value()?),
            6 => self.scope = map.next_value()?,
            _ => {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl Claims {
    /// Builds the claims from the verifier's checked parse; `sub` and `iat` are required as
    /// in the `Deserialize` derive.
    pub(crate) fn from_checked(claims: Registered<'_, ClaimsExtra>) -> Result<Self, VerifyError> {
        let missing = |field| VerifyError::InvalidClaims(serde_json::Error::missing_field(field));
        let owned = |s: crate::token::Str<'_>| s.0.into_owned();
        let aud = claims.aud.ok_or_else(|| missing("aud"))?;
        let mut all = aud.all.into_iter().map(owned);
        let aud = match (aud.single, all.next()) {
            (true, Some(one)) => Audience::One(one),
            (_, first) => Audience::Many(first.into_iter().chain(all).collect()),
        };
        let extra = claims.extra;
        Ok(Self {
            iss: claims.iss.map(owned).ok_or_else(|| missing("iss"))?,
            sub: claims.sub.map(owned).ok_or_else(|| missing("sub"))?,
            aud,
            exp: claims
                .exp
                .map(|NumericDate(t)| t)
                .ok_or_else(|| missing("exp"))?,
            iat: claims
                .iat
                .map(|NumericDate(t)| t)
                .ok_or_else(|| missing("iat"))?,
            nbf: claims.nbf.map(|NumericDate(t)| t),
            jti: claims.jti.map(owned),
            sid: extra.sid,
            client_id: claims.client_id.map(owned),
            amr: extra.amr.unwrap_or_default(),
            email: extra.email,
            org_id: extra.org_id,
            roles: extra.roles.unwrap_or_default(),
            permissions: extra.permissions.unwrap_or_default(),
            scope: extra.scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: serde_json::Value) -> Claims {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn helpers() {
        let c = claims(serde_json::json!({
            "iss": "https://auth.example", "sub": "u1", "aud": ["a", "b"], "exp": 10, "iat": 1,
            "roles": ["admin"], "permissions": ["users:read"], "scope": "openid  email",
            "amr": ["otp"]
        }));
        assert!(c.has_role("admin"));
        assert!(!c.has_role("Admin"));
        assert!(c.has_permission("users:read"));
        assert!(!c.has_permission("users:write"));
        assert!(c.has_scope("openid"));
        assert!(c.has_scope("email"));
        assert!(!c.has_scope(""));
        assert!(!c.has_scope("open"));
        assert!(c.has_amr("otp"));
        assert!(c.aud.contains("b"));
        assert!(!c.aud.contains("c"));
    }

    #[test]
    fn optional_fields_default() {
        let c = claims(serde_json::json!({
            "iss": "i", "sub": "s", "aud": "a", "exp": 10, "iat": 1
        }));
        assert!(c.roles.is_empty() && c.permissions.is_empty() && c.amr.is_empty());
        assert!(!c.has_scope("openid"));
        assert_eq!(c.aud, Audience::One("a".into()));
    }
}
