//! Passkeys (WebAuthn) with webauthn-rs: registration for a signed-in user, sign-in with or
//! without an identifier (discoverable credentials, for autofill), and management of a user's
//! passkeys. Free of HTTP.
//!
//! # Ceremonies
//! A start stores the webauthn-rs ceremony state in `passkey_ceremonies` and gives the browser
//! only an opaque handle (`state`). A finish takes the row atomically (single use, whether the
//! answer then verifies or not) and refuses it after [`CEREMONY_TTL`] seconds, measured with
//! the injected clock.
//!
//! # Policy
//! - Registration asks for a discoverable credential (resident key *required*), no attestation,
//!   and user verification. webauthn-rs's passkey API *requires* user verification (PIN or
//!   biometric) at registration and sign-in, and enforces it on the server; we keep that rather
//!   than "preferred", so every passkey sign-in is multi-factor (possession + verification).
//! - The signature counter and the backup flags are stored and updated on every sign-in; a
//!   counter that goes backwards (a possible clone) refuses the sign-in and is audited.
//! - A successful sign-in ends like every other method: a single-use authorization code bound
//!   to the widget's PKCE challenge, with `amr` (RFC 8176) `["pop", "hwk", "mfa"]` for a
//!   device-bound passkey or `["pop", "swk", "mfa"]` for a synced (backup-eligible) one: `pop`
//!   proof of possession of a key, `hwk`/`swk` whether that key can leave the device, `mfa`
//!   because the authenticator verified the user on top.
//!
//! # Relying party
//! The id is `webauthn.rp_id`, or the host of `public_url` (`localhost` when that is a loopback
//! address: browsers refuse IP addresses as relying party ids, and they treat
//! `http://localhost` as a secure context, so no insecure allowance is needed). The origins
//! accepted are the server's own plus the client's allowed origins that lie within the
//! relying party id, exactly (no other ports, no other subdomains).

use serde_json::json;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::auth::{Auth, AuthError, check_challenge, normalize_email};
use crate::clock::UnixTime;
use crate::config::Config;
use crate::crypto;
use crate::passwordless::require_method;
use crate::store::{CeremonyRow, Client, PasskeyRow, UserRow};

/// Lifetime of a registration or sign-in ceremony, seconds.
pub const CEREMONY_TTL: i64 = 300;
/// Ceremony starts per IP per minute.
const STARTS_PER_IP_MINUTE: i64 = 30;
/// Longest passkey name, in characters.
const MAX_NAME: usize = 64;
/// The method name in a client's `methods`.
pub const METHOD: &str = "passkey";

const KIND_REGISTER: &str = "register";
const KIND_LOGIN: &str = "login";
const KIND_DISCOVERABLE: &str = "login_discoverable";

/// The WebAuthn relying party of this server.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    /// Relying party id (a domain).
    pub id: String,
    /// Name shown by browsers.
    pub name: String,
    /// The server's own origin, as passkeys see it.
    pub origin: Url,
}

impl RelyingParty {
    /// The relying party for `config`, or `None` (passkeys off, with a warning) when
    /// `public_url` has no usable host and no `webauthn.rp_id` is set.
    pub fn from_config(config: &Config) -> Option<Self> {
        let mut origin = match Url::parse(&config.public_url()) {
            Ok(url) => url,
            Err(e) => {
                tracing::warn!(error = %e, "passkeys are off: public_url is not a URL");
                return None;
            }
        };
        let loopback = origin
            .host_str()
            .and_then(|h| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .ok()
            })
            .is_some_and(|ip| ip.is_loopback());
        if loopback && origin.set_host(Some("localhost")).is_err() {
            return None;
        }
        origin.set_path("");
        let id = match (&config.webauthn.rp_id, origin.domain()) {
            (Some(id), _) => id.clone(),
            (None, Some(domain)) => domain.to_owned(),
            (None, None) => {
                tracing::warn!(
                    "passkeys are off: public_url is an IP address; set webauthn.rp_id to a domain"
                );
                return None;
            }
        };
        let rp = Self {
            name: config
                .webauthn
                .rp_name
                .clone()
                .unwrap_or_else(|| id.clone()),
            id,
            origin,
        };
        match WebauthnBuilder::new(&rp.id, &rp.origin) {
            Ok(_) => Some(rp),
            Err(e) => {
                tracing::warn!(error = %e, rp_id = %rp.id, origin = %rp.origin,
                    "passkeys are off: webauthn.rp_id must be the host of public_url or a parent domain of it");
                None
            }
        }
    }

    /// Whether `host` is the relying party id or one of its subdomains.
    fn covers(&self, host: &str) -> bool {
        host == self.id
            || host
                .strip_suffix(&self.id)
                .is_some_and(|rest| rest.ends_with('.'))
    }

    /// A `Webauthn` accepting the server's origin and `client`'s origins within the rp id.
    fn webauthn(&self, client: &Client) -> Result<Webauthn, AuthError> {
        let mut builder = WebauthnBuilder::new(&self.id, &self.origin)
            .map_err(|_| AuthError::MethodUnavailable("passkeys are misconfigured"))?
            .rp_name(&self.name);
        for origin in &client.allowed_origins {
            let Ok(url) = Url::parse(origin) else {
                continue;
            };
            if url.domain().is_some_and(|d| self.covers(d)) && url != self.origin {
                builder = builder.append_allowed_origin(&url);
            }
        }
        builder
            .build()
            .map_err(|_| AuthError::MethodUnavailable("passkeys are misconfigured"))
    }
}

/// A started ceremony: the handle and the options for the browser.
#[derive(Debug, Clone)]
pub struct CeremonyStart {
    /// Opaque handle.
    pub state: String,
    /// When it expires.
    pub expires_at: UnixTime,
    /// WebAuthn options (JSON) for `navigator.credentials`.
    pub options: serde_json::Value,
}

fn b64(id: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

fn failed(what: &'static str, e: &WebauthnError) -> AuthError {
    tracing::info!(error = %e, "{what}");
    AuthError::PasskeyFailed(what)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AuthError> {
    serde_json::to_string(value).map_err(|e| AuthError::Internal(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AuthError> {
    serde_json::from_str(text).map_err(|e| AuthError::Internal(e.to_string()))
}

/// Checks and trims a passkey name.
fn clean_name(name: &str) -> Result<String, AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AuthError::InvalidRequest(
            "name must be 1 to 64 characters, without control characters",
        ));
    }
    Ok(name.to_owned())
}

/// The amr (RFC 8176) of a passkey sign-in.
fn amr(backup_eligible: bool) -> [&'static str; 3] {
    ["pop", if backup_eligible { "swk" } else { "hwk" }, "mfa"]
}

impl Auth {
    fn relying_party(&self, client: &Client) -> Result<&RelyingParty, AuthError> {
        require_method(client, METHOD)?;
        self.relying_party
            .as_ref()
            .ok_or(AuthError::MethodUnavailable(
                "passkeys are not configured on this server",
            ))
    }

    /// Whether `client` can use passkeys on this server.
    pub fn passkeys_enabled(&self, client: &Client) -> bool {
        self.relying_party(client).is_ok()
    }

    async fn store_ceremony(
        &self,
        kind: &str,
        client: &Client,
        user_id: Option<&str>,
        code_challenge: Option<&str>,
        state: String,
        options: serde_json::Value,
    ) -> Result<CeremonyStart, AuthError> {
        let now = self.now();
        self.store
            .delete_stale_ceremonies(now - CEREMONY_TTL)
            .await?;
        let row = CeremonyRow {
            id: crypto::random_token(&*self.rng, 32)?,
            kind: kind.to_owned(),
            client_id: client.id.clone(),
            user_id: user_id.map(str::to_owned),
            code_challenge: code_challenge.map(str::to_owned),
            state,
            expires_at: now + CEREMONY_TTL,
            used_at: None,
        };
        self.store.insert_ceremony(&row, now).await?;
        Ok(CeremonyStart {
            state: row.id,
            expires_at: row.expires_at,
            options,
        })
    }

    /// Takes a live ceremony of one of `kinds` for `client` (single use).
    async fn take_ceremony(
        &self,
        client: &Client,
        id: &str,
        kinds: &[&str],
    ) -> Result<CeremonyRow, AuthError> {
        let now = self.now();
        let Some(row) = self.store.take_ceremony(id, &client.id, now).await? else {
            return Err(match self.store.ceremony(id).await? {
                Some(row) if row.client_id == client.id && kinds.contains(&row.kind.as_str()) => {
                    AuthError::CeremonyExpired("this passkey ceremony was already used")
                }
                _ => AuthError::InvalidRequest("unknown state"),
            });
        };
        if !kinds.contains(&row.kind.as_str()) {
            return Err(AuthError::InvalidRequest("unknown state"));
        }
        if row.expires_at <= now {
            return Err(AuthError::CeremonyExpired(
                "this passkey ceremony has expired",
            ));
        }
        Ok(row)
    }

    /// The user's WebAuthn handle, made on first use.
    async fn user_handle(&self, user_id: &str) -> Result<Uuid, AuthError> {
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes)?;
        // A version 4 (random) UUID.
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let fresh = Uuid::from_bytes(bytes).hyphenated().to_string();
        let handle = self.store.ensure_passkey_handle(user_id, &fresh).await?;
        Uuid::parse_str(&handle).map_err(|e| AuthError::Internal(e.to_string()))
    }

    fn stored_passkeys(rows: &[PasskeyRow]) -> Result<Vec<Passkey>, AuthError> {
        rows.iter().map(|r| from_json(&r.passkey)).collect()
    }

    /// Starts registering a passkey for the signed-in `user`.
    pub async fn start_passkey_registration(
        &self,
        client: &Client,
        user: &UserRow,
        ip: &str,
    ) -> Result<CeremonyStart, AuthError> {
        let rp = self.relying_party(client)?;
        self.limit(&format!("passkey-start:ip:{ip}"), STARTS_PER_IP_MINUTE, 60)
            .await?;
        let handle = self.user_handle(&user.id).await?;
        let existing = self.store.passkeys_of(&user.id).await?;
        let exclude = Self::stored_passkeys(&existing)?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect::<Vec<_>>();
        let label = user
            .email
            .clone()
            .or_else(|| user.phone.clone())
            .unwrap_or_else(|| user.id.clone());
        let (mut ccr, registration) = rp
            .webauthn(client)?
            .start_passkey_registration(handle, &label, &label, Some(exclude))
            .map_err(|e| failed("could not start a passkey registration", &e))?;
        // Passkeys here are discoverable credentials: sign-in without an identifier needs them.
        let selection = ccr
            .public_key
            .authenticator_selection
            .get_or_insert_with(Default::default);
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
        let options = serde_json::to_value(&ccr).map_err(|e| AuthError::Internal(e.to_string()))?;
        self.store_ceremony(
            KIND_REGISTER,
            client,
            Some(&user.id),
            None,
            to_json(&registration)?,
            options,
        )
        .await
    }

    /// Finishes a registration started by the same user and client; returns the new passkey.
    pub async fn finish_passkey_registration(
        &self,
        client: &Client,
        user: &UserRow,
        state: &str,
        credential: serde_json::Value,
        name: Option<&str>,
        ip: &str,
    ) -> Result<PasskeyRow, AuthError> {
        let rp = self.relying_party(client)?;
        let name = clean_name(name.unwrap_or("Passkey"))?;
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(credential).map_err(|_| {
                AuthError::InvalidRequest("credential is not a WebAuthn registration response")
            })?;
        let row = self.take_ceremony(client, state, &[KIND_REGISTER]).await?;
        if row.user_id.as_deref() != Some(user.id.as_str()) {
            return Err(AuthError::InvalidRequest("unknown state"));
        }
        let registration: PasskeyRegistration = from_json(&row.state)?;
        let passkey = rp
            .webauthn(client)?
            .finish_passkey_registration(&credential, &registration)
            .map_err(|e| failed("the passkey registration did not verify", &e))?;
        let credential_id = b64(passkey.cred_id().as_ref());
        if self
            .store
            .passkey_by_credential_id(&credential_id)
            .await?
            .is_some()
        {
            return Err(AuthError::PasskeyFailed(
                "this passkey is already registered",
            ));
        }
        let internals: webauthn_rs::prelude::Credential = passkey.clone().into();
        let now = self.now();
        let stored = PasskeyRow {
            id: crypto::random_id(&*self.rng, "pk")?,
            user_id: user.id.clone(),
            credential_id,
            passkey: to_json(&passkey)?,
            name,
            sign_count: i64::from(internals.counter),
            backup_eligible: internals.backup_eligible,
            backup_state: internals.backup_state,
            created_at: now,
            last_used_at: None,
        };
        self.store.insert_passkey(&stored).await?;
        self.audit(
            "passkey.registered",
            Some(&user.id),
            Some(&client.id),
            Some(ip),
            json!({ "passkey": stored.id, "backup_eligible": stored.backup_eligible }),
        )
        .await;
        Ok(stored)
    }

    /// Starts a passkey sign-in. With the email of an account that has passkeys, the browser
    /// is asked for one of those; otherwise the sign-in is discoverable (the authenticator
    /// offers its passkeys for this site).
    pub async fn start_passkey_login(
        &self,
        client: &Client,
        email: Option<&str>,
        code_challenge: &str,
        ip: &str,
    ) -> Result<CeremonyStart, AuthError> {
        let rp = self.relying_party(client)?;
        check_challenge(code_challenge)?;
        let email = email
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(normalize_email)
            .transpose()?;
        self.limit(&format!("passkey-start:ip:{ip}"), STARTS_PER_IP_MINUTE, 60)
            .await?;
        let webauthn = rp.webauthn(client)?;
        let user = match &email {
            Some(email) => self.store.user_by_email(email).await?,
            None => None,
        };
        let rows = match &user {
            Some(user) => self.store.passkeys_of(&user.id).await?,
            None => Vec::new(),
        };
        if let Some(user) = user.filter(|_| !rows.is_empty()) {
            let (rcr, authentication) = webauthn
                .start_passkey_authentication(&Self::stored_passkeys(&rows)?)
                .map_err(|e| failed("could not start a passkey sign-in", &e))?;
            let options =
                serde_json::to_value(&rcr).map_err(|e| AuthError::Internal(e.to_string()))?;
            return self
                .store_ceremony(
                    KIND_LOGIN,
                    client,
                    Some(&user.id),
                    Some(code_challenge),
                    to_json(&authentication)?,
                    options,
                )
                .await;
        }
        let (mut rcr, authentication) = webauthn
            .start_discoverable_authentication()
            .map_err(|e| failed("could not start a passkey sign-in", &e))?;
        if email.is_some() {
            // The person typed an email and pressed on: a modal prompt, not autofill.
            rcr.mediation = None;
        }
        let options = serde_json::to_value(&rcr).map_err(|e| AuthError::Internal(e.to_string()))?;
        self.store_ceremony(
            KIND_DISCOVERABLE,
            client,
            None,
            Some(code_challenge),
            to_json(&authentication)?,
            options,
        )
        .await
    }

    /// Finishes a passkey sign-in: checks the assertion, updates the counter and backup flags,
    /// and returns a single-use authorization code bound to the start's PKCE challenge.
    pub async fn finish_passkey_login(
        &self,
        client: &Client,
        state: &str,
        credential: serde_json::Value,
        ip: &str,
    ) -> Result<String, AuthError> {
        let rp = self.relying_party(client)?;
        let credential: PublicKeyCredential = serde_json::from_value(credential).map_err(|_| {
            AuthError::InvalidRequest("credential is not a WebAuthn authentication response")
        })?;
        let row = self
            .take_ceremony(client, state, &[KIND_LOGIN, KIND_DISCOVERABLE])
            .await?;
        let webauthn = rp.webauthn(client)?;
        let credential_id = b64(credential.raw_id.as_ref());
        let Some(stored) = self.store.passkey_by_credential_id(&credential_id).await? else {
            self.login_failure(client, None, ip, "unknown_passkey")
                .await;
            return Err(AuthError::PasskeyFailed(
                "this passkey is not registered here",
            ));
        };
        let mut passkey: Passkey = from_json(&stored.passkey)?;
        let result = if row.kind == KIND_LOGIN {
            if row.user_id.as_deref() != Some(stored.user_id.as_str()) {
                self.login_failure(client, Some(&stored.user_id), ip, "other_users_passkey")
                    .await;
                return Err(AuthError::PasskeyFailed(
                    "this passkey does not belong to that account",
                ));
            }
            let authentication: PasskeyAuthentication = from_json(&row.state)?;
            webauthn.finish_passkey_authentication(&credential, &authentication)
        } else {
            let (handle, _) = webauthn
                .identify_discoverable_authentication(&credential)
                .map_err(|e| failed("the passkey did not say whose it is", &e))?;
            let owner = self
                .store
                .user_by_passkey_handle(&handle.hyphenated().to_string())
                .await?;
            if owner.as_deref() != Some(stored.user_id.as_str()) {
                self.login_failure(client, Some(&stored.user_id), ip, "user_handle_mismatch")
                    .await;
                return Err(AuthError::PasskeyFailed(
                    "this passkey does not belong to that account",
                ));
            }
            let authentication: DiscoverableAuthentication = from_json(&row.state)?;
            webauthn.finish_discoverable_authentication(
                &credential,
                authentication,
                &[DiscoverableKey::from(&passkey)],
            )
        };
        let result = match result {
            Ok(result) => result,
            Err(e) => {
                return Err(self.passkey_refused(client, &stored, ip, &e).await);
            }
        };
        // The ceremony state holds the passkey as it was at the start; the counter is checked
        // again against the stored one, atomically, so neither a stale snapshot nor two
        // concurrent finishes let a lower counter through.
        if !self.record_use(&stored, &mut passkey, &result).await? {
            return Err(self.counter_regression(client, &stored, ip).await);
        }
        let user = self
            .store
            .user(&stored.user_id)
            .await?
            .ok_or(AuthError::PasskeyFailed(
                "this passkey is not registered here",
            ))?;
        self.audit(
            "login.success",
            Some(&user.id),
            Some(&client.id),
            Some(ip),
            json!({ "method": "passkey", "passkey": stored.id }),
        )
        .await;
        let challenge = row
            .code_challenge
            .as_deref()
            .ok_or(AuthError::InvalidRequest("unknown state"))?;
        self.issue_auth_code(client, &user, challenge, &amr(result.backup_eligible()))
            .await
    }

    async fn login_failure(&self, client: &Client, user: Option<&str>, ip: &str, reason: &str) {
        self.audit(
            "login.failure",
            user,
            Some(&client.id),
            Some(ip),
            json!({ "method": "passkey", "reason": reason }),
        )
        .await;
    }

    async fn passkey_refused(
        &self,
        client: &Client,
        stored: &PasskeyRow,
        ip: &str,
        e: &WebauthnError,
    ) -> AuthError {
        if matches!(e, WebauthnError::CredentialPossibleCompromise) {
            return self.counter_regression(client, stored, ip).await;
        }
        self.login_failure(client, Some(&stored.user_id), ip, "assertion_invalid")
            .await;
        failed("the passkey's answer did not verify", e)
    }

    async fn counter_regression(
        &self,
        client: &Client,
        stored: &PasskeyRow,
        ip: &str,
    ) -> AuthError {
        tracing::warn!(passkey = %stored.id, user = %stored.user_id,
            "passkey signature counter went backwards: possibly a cloned authenticator");
        self.audit(
            "passkey.counter_regression",
            Some(&stored.user_id),
            Some(&client.id),
            Some(ip),
            json!({ "passkey": stored.id }),
        )
        .await;
        AuthError::PasskeyFailed(
            "this passkey's signature counter went backwards; it may have been cloned",
        )
    }

    /// Stores the counter and flags of a verified sign-in; false when the stored counter is
    /// already at or above this one (both non-zero rules of WebAuthn §7.2 step 21).
    async fn record_use(
        &self,
        stored: &PasskeyRow,
        passkey: &mut Passkey,
        result: &AuthenticationResult,
    ) -> Result<bool, AuthError> {
        passkey.update_credential(result);
        Ok(self
            .store
            .record_passkey_use(
                &stored.id,
                &to_json(passkey)?,
                i64::from(result.counter()),
                stored.backup_eligible || result.backup_eligible(),
                result.backup_state(),
                self.now(),
            )
            .await?)
    }

    /// The user's passkeys, oldest first.
    pub async fn list_passkeys(&self, user: &UserRow) -> Result<Vec<PasskeyRow>, AuthError> {
        Ok(self.store.passkeys_of(&user.id).await?)
    }

    /// Renames one of the user's passkeys.
    pub async fn rename_passkey(
        &self,
        user: &UserRow,
        id: &str,
        name: &str,
    ) -> Result<PasskeyRow, AuthError> {
        let name = clean_name(name)?;
        if !self.store.rename_passkey(id, &user.id, &name).await? {
            return Err(AuthError::NotFound("no such passkey"));
        }
        self.store
            .passkey(id, &user.id)
            .await?
            .ok_or(AuthError::NotFound("no such passkey"))
    }

    /// Deletes one of the user's passkeys, unless it is their last way to sign in (no other
    /// passkey and no verified email or phone).
    pub async fn delete_passkey(
        &self,
        client: &Client,
        user: &UserRow,
        id: &str,
        ip: &str,
    ) -> Result<(), AuthError> {
        let rows = self.store.passkeys_of(&user.id).await?;
        if !rows.iter().any(|r| r.id == id) {
            return Err(AuthError::NotFound("no such passkey"));
        }
        let other_way = user.email_verified || user.phone_verified || rows.len() > 1;
        if !other_way {
            return Err(AuthError::LastSignInMethod);
        }
        if !self.store.delete_passkey(id, &user.id).await? {
            return Err(AuthError::NotFound("no such passkey"));
        }
        self.audit(
            "passkey.deleted",
            Some(&user.id),
            Some(&client.id),
            Some(ip),
            json!({ "passkey": id }),
        )
        .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: &str, rp_id: Option<&str>) -> Config {
        Config {
            public_url: Some(public_url.to_owned()),
            webauthn: crate::config::WebauthnConfig {
                rp_id: rp_id.map(str::to_owned),
                rp_name: None,
            },
            ..Config::default()
        }
    }

    #[test]
    fn relying_party_from_public_url() {
        let rp = RelyingParty::from_config(&config("https://auth.example.com/base", None)).unwrap();
        assert_eq!(rp.id, "auth.example.com");
        assert_eq!(rp.origin.as_str(), "https://auth.example.com/");
        let rp =
            RelyingParty::from_config(&config("https://auth.example.com", Some("example.com")))
                .unwrap();
        assert_eq!(rp.id, "example.com");
        assert!(rp.covers("example.com") && rp.covers("app.example.com"));
        assert!(!rp.covers("badexample.com") && !rp.covers("example.org"));
        assert!(
            RelyingParty::from_config(&config("https://auth.example.com", Some("other.com")))
                .is_none()
        );
    }

    #[test]
    fn loopback_becomes_localhost_and_other_ips_need_an_rp_id() {
        let rp = RelyingParty::from_config(&config("http://127.0.0.1:8080", None)).unwrap();
        assert_eq!(rp.id, "localhost");
        assert_eq!(rp.origin.as_str(), "http://localhost:8080/");
        assert!(RelyingParty::from_config(&config("http://10.0.0.5:8080", None)).is_none());
    }

    #[test]
    fn amr_says_how_the_key_is_held() {
        assert_eq!(amr(false), ["pop", "hwk", "mfa"]);
        assert_eq!(amr(true), ["pop", "swk", "mfa"]);
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(clean_name("  MacBook ").unwrap(), "MacBook");
        assert!(clean_name("").is_err());
        assert!(clean_name("a\u{7}b").is_err());
        assert!(clean_name(&"x".repeat(65)).is_err());
    }
}
