//! Sign-in logic, free of HTTP: one-time codes, authorization codes, tokens and sessions.
//!
//! Every method ends the same way: a short-lived, single-use authorization code bound to the
//! starting browser's PKCE challenge, exchanged for tokens by [`Auth::exchange_code`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::{Clock, UnixTime};
use crate::config::TokenConfig;
use crate::crypto::{self, MasterKey, Random};
use crate::keys::{HasTimes, Keys, TokenError};
use crate::mail::{self, Mailer};
use crate::sms::{SmsError, SmsProvider};
use crate::store::{AuditEvent, AuthCode, Client, SessionRow, Store, UserRow};

/// Limits of the code flows (DESIGN.md, "Security defaults").
#[derive(Debug, Clone)]
pub struct OtpPolicy {
    /// Lifetime of a code, seconds.
    pub code_ttl: i64,
    /// Tries per request; the request is dead after this many wrong ones.
    pub max_attempts: i64,
    /// Minimum seconds between sends for one request.
    pub resend_interval: i64,
    /// Sends per identifier per minute.
    pub sends_per_minute: i64,
    /// Sends per IP per minute.
    pub sends_per_ip_minute: i64,
    /// Lifetime of an authorization code, seconds.
    pub auth_code_ttl: i64,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        Self {
            code_ttl: 300,
            max_attempts: 5,
            resend_interval: 30,
            sends_per_minute: 3,
            sends_per_ip_minute: 30,
            auth_code_ttl: 60,
        }
    }
}

/// Brute-force limits across requests (DESIGN.md, "Security defaults"). They live in the
/// database, so they hold across instances.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failed tries per identifier and IP pair before that pair is blocked…
    pub pair_failures: i64,
    /// …within this many seconds.
    pub pair_window: i64,
    /// Consecutive failed tries per account (email or phone) before it is blocked; a success
    /// starts the count again.
    pub account_failures: i64,
    /// Failed tries per IP a day.
    pub ip_failures: i64,
    /// New users per IP a minute.
    pub ip_signups_per_minute: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            pair_failures: 10,
            pair_window: 3600,
            account_failures: 100,
            ip_failures: 100,
            ip_signups_per_minute: 50,
        }
    }
}

/// Why a sign-in step failed. The HTTP layer maps each to a stable error code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Input that can never succeed.
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// The email address is not valid.
    #[error("that email address is not valid")]
    InvalidEmail,
    /// The phone number is not valid E.164.
    #[error("that phone number is not valid")]
    InvalidPhone,
    /// The code is wrong; `remaining` tries are left.
    #[error("wrong code")]
    InvalidOtp {
        /// Tries left.
        remaining: i64,
    },
    /// The code or request has expired.
    #[error("the code has expired")]
    OtpExpired,
    /// No tries are left.
    #[error("too many wrong codes")]
    TooManyAttempts,
    /// Too many requests; retry after the given seconds.
    #[error("too many requests")]
    RateLimited(u64),
    /// Unknown client or bad client credentials.
    #[error("{0}")]
    InvalidClient(&'static str),
    /// A bad authorization code, refresh token or PKCE verifier.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// A refresh token was replayed; the family is revoked.
    #[error("refresh token reused")]
    RefreshTokenReused,
    /// A bad access token.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// Mail could not be delivered.
    #[error("delivery failed: {0}")]
    Delivery(#[from] mail::MailError),
    /// A text message could not be delivered.
    #[error("SMS delivery failed: {0}")]
    SmsDelivery(#[from] SmsError),
    /// A message template does not render.
    #[error("{0}")]
    Template(#[from] crate::messages::TemplateError),
    /// The method is switched off for this client, or not configured on this server.
    #[error("{0}")]
    MethodUnavailable(&'static str),
    /// A passkey's answer did not verify.
    #[error("{0}")]
    PasskeyFailed(&'static str),
    /// A passkey ceremony expired or was already used.
    #[error("{0}")]
    CeremonyExpired(&'static str),
    /// The resource does not exist, or is not the caller's.
    #[error("{0}")]
    NotFound(&'static str),
    /// The change would leave the user with no way to sign in.
    #[error("this is the last way to sign in to this account")]
    LastSignInMethod,
    /// No such social provider or SSO connection for this client.
    #[error("unknown provider")]
    UnknownProvider,
    /// The redirect URI is not one of the client's.
    #[error("redirect_uri is not one of the client's redirect URIs")]
    InvalidRedirectUri,
    /// A provider's callback that matches no live sign-in.
    #[error("{0}")]
    InvalidState(&'static str),
    /// The person declined at the provider.
    #[error("declined at the provider: {0}")]
    AccessDenied(String),
    /// The provider answered with an error or refused its code.
    #[error("provider error: {0}")]
    ProviderError(String),
    /// The provider could not be reached; the detail is logged, not shown.
    #[error("provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// The ID token failed a check.
    #[error("invalid ID token: {0}")]
    InvalidIdToken(String),
    /// An account with the email exists, but the email is not verified on one side.
    #[error("{0}")]
    UnverifiedEmail(&'static str),
    /// An organization's connection vouched for an email outside its domains.
    #[error("the email is not in the organization's domains")]
    EmailDomainMismatch,
    /// Another provider vouched for an email whose domain belongs to an organization with its
    /// own SSO connection.
    #[error("the email's organization signs in with its own SSO")]
    SsoRequired,
    /// An internal failure (e.g. stored data that does not parse); logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Crypto failed.
    #[error("crypto: {0}")]
    Crypto(#[from] crypto::CryptoError),
}

/// The sign-in service.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Storage.
    pub store: Store,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub rng: Arc<dyn Random>,
    /// Signing keys.
    pub keys: Keys,
    /// Master key (code hashing).
    pub master: Arc<MasterKey>,
    /// Outgoing mail (and, in demo mode, the dev mailbox).
    pub mailer: Mailer,
    /// Outgoing SMS, when configured.
    pub sms: Option<SmsProvider>,
    /// Issuer (public base URL).
    pub issuer: String,
    /// Code limits.
    pub otp: OtpPolicy,
    /// Brute-force limits.
    pub limits: LoginLimits,
    /// Token lifetimes.
    pub tokens: TokenConfig,
    /// The WebAuthn relying party; `None` when passkeys are off.
    pub relying_party: Option<crate::passkeys::RelyingParty>,
    /// The OpenID Connect relying party (social login, enterprise SSO).
    pub oidc: crate::oidc::Federation,
}

/// Tokens issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The access token.
    pub access_token: String,
    /// Lifetime, seconds.
    pub expires_in: i64,
    /// The new refresh token.
    pub refresh_token: String,
}

/// Claims of our access tokens (DESIGN.md, "Tokens").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// User id.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Expiry.
    pub exp: UnixTime,
    /// Issued at.
    pub iat: UnixTime,
    /// Not before.
    pub nbf: UnixTime,
    /// Token id.
    pub jti: String,
    /// Session id.
    pub sid: String,
    /// Client id.
    pub client_id: String,
    /// Authentication methods (RFC 8176).
    pub amr: Vec<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Permissions.
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl HasTimes for AccessClaims {
    fn issuer(&self) -> &str {
        &self.iss
    }
    fn expires_at(&self) -> UnixTime {
        self.exp
    }
}

/// The JWT `typ` of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Normalises and checks an email address; returns it lowercased.
pub fn normalize_email(input: &str) -> Result<String, AuthError> {
    let email = input.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.rsplit_once('@').is_some_and(|(local, domain)| {
            let labels_ok = domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
            !local.is_empty()
                && local.len() <= 64
                && !local.contains('@')
                && domain.contains('.')
                && labels_ok
        });
    if valid {
        Ok(email)
    } else {
        Err(AuthError::InvalidEmail)
    }
}

/// Checks a PKCE S256 challenge's shape (43 base64url characters).
pub(crate) fn check_challenge(challenge: &str) -> Result<(), AuthError> {
    let ok = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AuthError::InvalidRequest(
            "code_challenge must be BASE64URL(SHA-256(code_verifier)), 43 characters",
        ))
    }
}

impl Auth {
    pub(crate) fn now(&self) -> UnixTime {
        self.clock.now()
    }

    pub(crate) async fn audit(
        &self,
        kind: &str,
        user: Option<&str>,
        client: Option<&str>,
        ip: Option<&str>,
        detail: serde_json::Value,
    ) {
        let event = AuditEvent {
            kind,
            user_id: user,
            client_id: client,
            ip,
            detail,
        };
        if let Err(e) = self.store.audit(&event, self.now()).await {
            tracing::error!(error = %e, kind, "could not write an audit event");
        }
    }

    pub(crate) async fn limit(&self, key: &str, limit: i64, window: i64) -> Result<(), AuthError> {
        match self
            .store
            .hit_rate_limit(key, limit, window, self.now())
            .await?
        {
            Some(wait) => Err(AuthError::RateLimited(wait)),
            None => Ok(()),
        }
    }

    /// Issues a single-use authorization code (60 s) bound to `challenge`.
    pub(crate) async fn issue_auth_code(
        &self,
        client: &Client,
        user: &UserRow,
        challenge: &str,
        amr: &[&str],
    ) -> Result<String, AuthError> {
        self.issue_auth_code_for_org(client, user, challenge, amr, None)
            .await
    }

    /// Like [`Auth::issue_auth_code`], for a sign-in through an organization's SSO connection:
    /// the tokens then carry `org_id`.
    pub(crate) async fn issue_auth_code_for_org(
        &self,
        client: &Client,
        user: &UserRow,
        challenge: &str,
        amr: &[&str],
        org_id: Option<&str>,
    ) -> Result<String, AuthError> {
        let code = crypto::random_token(&*self.rng, 32)?;
        let now = self.now();
        let record = AuthCode {
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            code_challenge: challenge.to_owned(),
            amr: json!(amr).to_string(),
            expires_at: now + self.otp.auth_code_ttl,
            used_at: None,
            session_id: None,
            org_id: org_id.map(str::to_owned),
        };
        self.store
            .insert_auth_code(&crypto::sha256(code.as_bytes()), &record, now)
            .await?;
        Ok(code)
    }

    /// Exchanges an authorization code for tokens. `verifier` is required unless the client
    /// authenticated with its secret (`confidential`).
    pub async fn exchange_code(
        &self,
        client: &Client,
        confidential: bool,
        code: &str,
        verifier: Option<&str>,
    ) -> Result<Issued, AuthError> {
        let hash = crypto::sha256(code.as_bytes());
        let record = self
            .store
            .auth_code(&hash)
            .await?
            .filter(|c| c.client_id == client.id)
            .ok_or(AuthError::InvalidGrant("unknown authorization code"))?;
        let now = self.now();
        if let Some(session) = &record.session_id {
            // A replayed code: revoke what the first exchange issued (RFC 6749 §4.1.2).
            self.store.revoke_session(session, now).await?;
            self.audit(
                "token.code_reused",
                Some(&record.user_id),
                Some(&client.id),
                None,
                json!({}),
            )
            .await;
            return Err(AuthError::InvalidGrant("authorization code already used"));
        }
        if record.expires_at <= now {
            return Err(AuthError::InvalidGrant("authorization code expired"));
        }
        match verifier {
            Some(v) => {
                let expected = crypto::pkce_challenge(v);
                if !crypto::constant_time_eq(expected.as_bytes(), record.code_challenge.as_bytes())
                {
                    return Err(AuthError::InvalidGrant(
                        "code_verifier does not match the code_challenge",
                    ));
                }
            }
            None if !confidential => {
                return Err(AuthError::InvalidRequest(
                    "code_verifier is required for public clients",
                ));
            }
            None => {}
        }
        let session = SessionRow {
            id: crypto::random_id(&*self.rng, "ses")?,
            user_id: record.user_id.clone(),
            client_id: client.id.clone(),
            amr: record.amr.clone(),
            expires_at: now + self.tokens.refresh_ttl,
            revoked_at: None,
            org_id: record.org_id.clone(),
        };
        self.store.insert_session(&session, now).await?;
        if !self.store.use_auth_code(&hash, &session.id, now).await? {
            self.store.revoke_session(&session.id, now).await?;
            return Err(AuthError::InvalidGrant("authorization code already used"));
        }
        self.audit(
            "token.issued",
            Some(&session.user_id),
            Some(&client.id),
            None,
            json!({ "grant": "authorization_code" }),
        )
        .await;
        self.issue_tokens(client, &session).await
    }

    async fn issue_tokens(
        &self,
        client: &Client,
        session: &SessionRow,
    ) -> Result<Issued, AuthError> {
        let user = self
            .store
            .user(&session.user_id)
            .await?
            .ok_or(AuthError::InvalidGrant("the user no longer exists"))?;
        let now = self.now();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: user.id.clone(),
            aud: client.audience.clone().unwrap_or_else(|| client.id.clone()),
            exp: now + self.tokens.access_ttl,
            iat: now,
            nbf: now,
            jti: crypto::random_token(&*self.rng, 16)?,
            sid: session.id.clone(),
            client_id: client.id.clone(),
            amr: serde_json::from_str(&session.amr).unwrap_or_default(),
            email: user.email,
            org_id: session.org_id.clone(),
            roles: Vec::new(),
            permissions: Vec::new(),
        };
        let access_token = self.keys.sign(ACCESS_TOKEN_TYP, &claims)?;
        let refresh_token = crypto::random_token(&*self.rng, 32)?;
        let expires_at = now + self.tokens.refresh_ttl;
        self.store
            .insert_refresh(
                &crypto::sha256(refresh_token.as_bytes()),
                &session.id,
                now,
                expires_at,
            )
            .await?;
        self.store.extend_session(&session.id, expires_at).await?;
        Ok(Issued {
            access_token,
            expires_in: self.tokens.access_ttl,
            refresh_token,
        })
    }

    /// Rotates a refresh token. A token presented again after the grace period revokes the
    /// whole family (the session).
    pub async fn refresh(&self, client: &Client, token: &str) -> Result<Issued, AuthError> {
        let hash = crypto::sha256(token.as_bytes());
        let row = self
            .store
            .refresh(&hash)
            .await?
            .ok_or(AuthError::InvalidGrant("unknown refresh token"))?;
        let session = self
            .store
            .session(&row.session_id)
            .await?
            .filter(|s| s.client_id == client.id)
            .ok_or(AuthError::InvalidGrant("unknown refresh token"))?;
        let now = self.now();
        if session.revoked_at.is_some() {
            return Err(AuthError::InvalidGrant("this session was revoked"));
        }
        if row.expires_at <= now || session.expires_at <= now {
            return Err(AuthError::InvalidGrant("refresh token expired"));
        }
        let first_use = self.store.use_refresh(&hash, now).await?;
        if !first_use {
            let used_at = row.used_at.unwrap_or(now);
            if now - used_at > self.tokens.refresh_reuse_grace {
                self.store.revoke_session(&session.id, now).await?;
                self.audit(
                    "token.refresh_reused",
                    Some(&session.user_id),
                    Some(&client.id),
                    None,
                    json!({ "session": session.id }),
                )
                .await;
                return Err(AuthError::RefreshTokenReused);
            }
        }
        self.issue_tokens(client, &session).await
    }

    /// Checks an access token and returns the user and session behind it.
    pub async fn status(
        &self,
        token: &str,
    ) -> Result<(AccessClaims, UserRow, SessionRow), AuthError> {
        let now = self.now();
        let claims: AccessClaims = self
            .keys
            .check(token, ACCESS_TOKEN_TYP, &self.issuer, now)
            .map_err(|e| match e {
                TokenError::Expired => AuthError::InvalidToken("the access token has expired"),
                _ => AuthError::InvalidToken("the access token is not valid"),
            })?;
        let session = self
            .store
            .session(&claims.sid)
            .await?
            .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
            .ok_or(AuthError::InvalidToken("the session has ended"))?;
        let user = self
            .store
            .user(&claims.sub)
            .await?
            .ok_or(AuthError::InvalidToken("the user no longer exists"))?;
        Ok((claims, user, session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.c",
            "a@b",
            "a b@c.d",
            "a@-b.c",
            "a@b..c",
            "a@b.c\u{0}",
            "a\u{7}@b.c",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn challenge_shape_is_checked() {
        assert!(check_challenge("E9cRVZjy1pOeBjrU9T5-CW5_QJMdiiVrAe9UYqHcIFc").is_ok());
        assert!(check_challenge("short").is_err());
        assert!(check_challenge("E9cRVZjy1pOeBjrU9T5+CW5/QJMdiiVrAe9UYqHcIFc").is_err());
    }
}
