//! Passwordless sign-in requests: six-digit codes by email or SMS, and magic links. One engine
//! serves all three: a request (`state`) holds a keyed hash of its secret (code or link), a
//! try counter that a resend never resets, and the starting browser's PKCE challenge.

use serde_json::json;

use crate::auth::{Auth, AuthError, check_challenge, normalize_email};
use crate::clock::{UnixTime, rfc3339};
use crate::crypto;
use crate::mail::Email;
use crate::messages::{self, MessageKind, MessageVars};
use crate::sms::normalize_phone;
use crate::store::{Client, ContactColumn, OtpRequest};

/// Where a code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// By email.
    Email,
    /// By SMS.
    Sms,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }

    fn method(self) -> &'static str {
        match self {
            Self::Email => "email_code",
            Self::Sms => "sms_code",
        }
    }
}

const KIND_CODE: &str = "code";
const KIND_LINK: &str = "link";

/// A started (or resent) request.
#[derive(Debug, Clone)]
pub struct Started {
    /// The handle.
    pub state: String,
    /// When the current code or link expires.
    pub expires_at: UnixTime,
}

/// A confirmed magic link.
#[derive(Debug, Clone)]
pub struct Confirmed {
    /// Where the starting browser should land (`redirect_uri?state=…`).
    pub redirect_uri: Option<String>,
    /// The client's name, for the page.
    pub client_name: String,
}

/// Where a magic-link request stands, for the polling browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus {
    /// Not confirmed yet.
    Pending,
    /// Confirmed: the single-use authorization code.
    Verified(String),
    /// Expired or dead.
    Expired,
}

/// Refuses unless `client` offers `method`.
pub(crate) fn require_method(client: &Client, method: &'static str) -> Result<(), AuthError> {
    if client.methods.iter().any(|m| m == method) {
        Ok(())
    } else {
        Err(AuthError::MethodUnavailable(
            "this sign-in method is not enabled for this client",
        ))
    }
}

impl Auth {
    fn link_ttl(&self, client: &Client) -> i64 {
        client.magic_link_ttl.unwrap_or(self.otp.code_ttl)
    }

    async fn check_send_limits(
        &self,
        channel: &str,
        identifier: &str,
        ip: &str,
    ) -> Result<(), AuthError> {
        self.limit(
            &format!("otp-send:ip:{ip}"),
            self.otp.sends_per_ip_minute,
            60,
        )
        .await?;
        self.limit(
            &format!("otp-send:{channel}:{identifier}"),
            self.otp.sends_per_minute,
            60,
        )
        .await
    }

    fn new_secret(&self, kind: &str) -> Result<String, AuthError> {
        Ok(if kind == KIND_LINK {
            crypto::random_token(&*self.rng, 32)?
        } else {
            crypto::random_six_digits(&*self.rng)?
        })
    }

    /// Starts a code sign-in by email or SMS.
    pub async fn start_code(
        &self,
        client: &Client,
        channel: Channel,
        identifier: &str,
        code_challenge: &str,
        locale: Option<&str>,
        ip: &str,
    ) -> Result<Started, AuthError> {
        require_method(client, channel.method())?;
        let identifier = match channel {
            Channel::Email => normalize_email(identifier)?,
            Channel::Sms => normalize_phone(identifier).ok_or(AuthError::InvalidPhone)?,
        };
        if channel == Channel::Sms && self.sms.is_none() && self.mailer.dev_mailbox().is_none() {
            return Err(AuthError::MethodUnavailable(
                "SMS is not configured on this server",
            ));
        }
        self.start(
            client,
            channel,
            KIND_CODE,
            identifier,
            code_challenge,
            None,
            locale,
            ip,
        )
        .await
    }

    /// Starts a magic-link sign-in. `redirect_uri` must be one of the client's, exactly.
    pub async fn start_magic_link(
        &self,
        client: &Client,
        email: &str,
        code_challenge: &str,
        redirect_uri: Option<&str>,
        locale: Option<&str>,
        ip: &str,
    ) -> Result<Started, AuthError> {
        require_method(client, "magic_link")?;
        let email = normalize_email(email)?;
        let redirect_uri = match redirect_uri {
            Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => Some(uri.to_owned()),
            Some(_) => {
                return Err(AuthError::InvalidRequest(
                    "redirect_uri is not one of the client's redirect URIs",
                ));
            }
            None => client.redirect_uris.first().cloned(),
        };
        self.start(
            client,
            Channel::Email,
            KIND_LINK,
            email,
            code_challenge,
            redirect_uri,
            locale,
            ip,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn start(
        &self,
        client: &Client,
        channel: Channel,
        kind: &str,
        identifier: String,
        code_challenge: &str,
        redirect_uri: Option<String>,
        locale: Option<&str>,
        ip: &str,
    ) -> Result<Started, AuthError> {
        check_challenge(code_challenge)?;
        self.check_send_limits(channel.as_str(), &identifier, ip)
            .await?;
        let now = self.now();
        let state = crypto::random_token(&*self.rng, 32)?;
        let secret = self.new_secret(kind)?;
        let ttl = if kind == KIND_LINK {
            self.link_ttl(client)
        } else {
            self.otp.code_ttl
        };
        let request = OtpRequest {
            code_hash: self.master.hash_code(&state, &secret),
            state,
            client_id: client.id.clone(),
            channel: channel.as_str().to_owned(),
            identifier,
            code_challenge: code_challenge.to_owned(),
            attempts: 0,
            last_sent_at: now,
            expires_at: now + ttl,
            consumed_at: None,
            kind: kind.to_owned(),
            redirect_uri,
            locale: locale.map(|l| messages::pick_locale(Some(l)).to_owned()),
            verified_at: None,
            user_id: None,
        };
        self.store.insert_otp(&request, now).await?;
        self.deliver(client, &request, &secret, ttl).await?;
        self.audit(
            "otp.sent",
            None,
            Some(&client.id),
            Some(ip),
            json!({ "channel": request.channel, "kind": kind }),
        )
        .await;
        Ok(Started {
            state: request.state,
            expires_at: request.expires_at,
        })
    }

    async fn deliver(
        &self,
        client: &Client,
        request: &OtpRequest,
        secret: &str,
        ttl: i64,
    ) -> Result<(), AuthError> {
        let kind = match (request.channel.as_str(), request.kind.as_str()) {
            (_, KIND_LINK) => MessageKind::MagicLink,
            ("sms", _) => MessageKind::SmsCode,
            _ => MessageKind::EmailCode,
        };
        let locale = messages::pick_locale(request.locale.as_deref());
        let template = match self
            .store
            .template(&client.id, kind.as_str(), locale)
            .await?
        {
            Some(t) => t,
            None => messages::default_template(kind, locale),
        };
        let link = (kind == MessageKind::MagicLink).then(|| {
            format!(
                "{}{}?state={}&magictext={}",
                self.issuer,
                protocol::routes::MAGIC_LINK_VERIFY,
                request.state,
                secret
            )
        });
        let vars = MessageVars {
            brand: &client.name,
            app_name: &client.name,
            code: (kind != MessageKind::MagicLink).then_some(secret),
            link: link.as_deref(),
            minutes: (ttl + 59) / 60,
        };
        let rendered = messages::render(&template, &vars)?;
        let sent_at = rfc3339(self.now());
        if kind == MessageKind::SmsCode {
            if let Some(mailbox) = self.mailer.dev_mailbox() {
                mailbox.push_sms(&request.identifier, &rendered.text, sent_at);
            }
            if let Some(sms) = &self.sms {
                sms.send(&request.identifier, &rendered.text).await?;
            }
            return Ok(());
        }
        let email = Email {
            to: request.identifier.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        };
        self.mailer.send(&email, sent_at).await?;
        Ok(())
    }

    /// The request behind `state` if it belongs to `client`, is of `kind`, and is still live.
    async fn live_request(
        &self,
        client: Option<&Client>,
        state: &str,
        kind: &str,
    ) -> Result<OtpRequest, AuthError> {
        let request = self
            .store
            .otp(state)
            .await?
            .filter(|r| r.kind == kind && client.is_none_or(|c| c.id == r.client_id))
            .ok_or(AuthError::InvalidRequest("unknown state"))?;
        if request.consumed_at.is_some() || request.verified_at.is_some() {
            return Err(AuthError::InvalidGrant(
                "this sign-in request was already completed",
            ));
        }
        if request.attempts >= self.otp.max_attempts {
            return Err(AuthError::TooManyAttempts);
        }
        Ok(request)
    }

    /// Sends a new code or link for the same request, at least 30 s after the last. Never
    /// resets the try counter.
    pub async fn resend(
        &self,
        client: &Client,
        state: &str,
        channel: Channel,
        link: bool,
        ip: &str,
    ) -> Result<Started, AuthError> {
        let kind = if link { KIND_LINK } else { KIND_CODE };
        let request = self.live_request(Some(client), state, kind).await?;
        if request.channel != channel.as_str() {
            return Err(AuthError::InvalidRequest("unknown state"));
        }
        let now = self.now();
        let wait = request.last_sent_at + self.otp.resend_interval - now;
        if wait > 0 {
            return Err(AuthError::RateLimited(u64::try_from(wait).unwrap_or(1)));
        }
        self.check_send_limits(&request.channel, &request.identifier, ip)
            .await?;
        let secret = self.new_secret(kind)?;
        let ttl = if link {
            self.link_ttl(client)
        } else {
            self.otp.code_ttl
        };
        let hash = self.master.hash_code(state, &secret);
        if !self
            .store
            .replace_otp_code(state, &hash, now, now + ttl, self.otp.max_attempts)
            .await?
        {
            return Err(AuthError::TooManyAttempts);
        }
        self.deliver(client, &request, &secret, ttl).await?;
        self.audit(
            "otp.resent",
            None,
            Some(&client.id),
            Some(ip),
            json!({ "channel": request.channel, "kind": kind }),
        )
        .await;
        Ok(Started {
            state: state.to_owned(),
            expires_at: now + ttl,
        })
    }

    /// The brute-force counters a failed try of `request` from `ip` adds to.
    fn failure_keys(request: &OtpRequest, ip: &str) -> [String; 3] {
        [
            format!("fail:pair:{}:{}", request.identifier, ip),
            format!("fail:account:{}", request.identifier),
            format!("fail:ip:{ip}"),
        ]
    }

    /// Refuses a try while the identifier+IP pair, the account or the IP is blocked.
    async fn check_blocks(&self, request: &OtpRequest, ip: &str) -> Result<(), AuthError> {
        let [pair, account, by_ip] = Self::failure_keys(request, ip);
        let l = &self.limits;
        let now = self.now();
        for (key, limit, window) in [
            (pair, l.pair_failures, l.pair_window),
            (account, l.account_failures, 86_400),
            (by_ip, l.ip_failures, 86_400),
        ] {
            if let Some(wait) = self.store.rate_limited(&key, limit, window, now).await? {
                self.audit(
                    "login.blocked",
                    None,
                    Some(&request.client_id),
                    Some(ip),
                    json!({ "key": key }),
                )
                .await;
                return Err(AuthError::RateLimited(wait));
            }
        }
        Ok(())
    }

    /// Spends one try on `request` and checks `secret` against it.
    async fn check_secret(
        &self,
        request: &OtpRequest,
        secret: &str,
        well_formed: bool,
        ip: &str,
    ) -> Result<(), AuthError> {
        self.check_blocks(request, ip).await?;
        let Some((attempts, code_hash, expires_at)) = self
            .store
            .spend_otp_attempt(&request.state, self.otp.max_attempts)
            .await?
        else {
            return Err(AuthError::TooManyAttempts);
        };
        if expires_at <= self.now() {
            return Err(AuthError::OtpExpired);
        }
        if !well_formed
            || !crypto::constant_time_eq(&self.master.hash_code(&request.state, secret), &code_hash)
        {
            self.audit(
                "login.failure",
                None,
                Some(&request.client_id),
                Some(ip),
                json!({ "reason": "invalid_otp", "channel": request.channel, "kind": request.kind }),
            )
            .await;
            for key in Self::failure_keys(request, ip) {
                self.store.record_rate_event(&key, self.now()).await?;
            }
            return Err(AuthError::InvalidOtp {
                remaining: self.otp.max_attempts - attempts,
            });
        }
        let [pair, account, _] = Self::failure_keys(request, ip);
        self.store.clear_rate_events(&pair).await?;
        self.store.clear_rate_events(&account).await?;
        Ok(())
    }

    /// Refuses a sign-up (a first sign-in) from an IP that made too many this minute; checked
    /// before the request is used up, so a refused person can retry the same code.
    async fn check_signup_allowed(&self, request: &OtpRequest, ip: &str) -> Result<(), AuthError> {
        let column = if request.channel == "sms" {
            ContactColumn::Phone
        } else {
            ContactColumn::Email
        };
        if self
            .store
            .contact_exists(column, &request.identifier)
            .await?
        {
            return Ok(());
        }
        let key = format!("signup:ip:{ip}");
        match self
            .store
            .rate_limited(&key, self.limits.ip_signups_per_minute, 60, self.now())
            .await?
        {
            Some(wait) => Err(AuthError::RateLimited(wait)),
            None => Ok(()),
        }
    }

    async fn sign_in_contact(
        &self,
        request: &OtpRequest,
        ip: &str,
    ) -> Result<crate::store::UserRow, AuthError> {
        let column = if request.channel == "sms" {
            ContactColumn::Phone
        } else {
            ContactColumn::Email
        };
        let new_id = crypto::random_id(&*self.rng, "usr")?;
        let (user, created) = self
            .store
            .upsert_verified_user(&new_id, column, &request.identifier, self.now())
            .await?;
        if created {
            self.store
                .record_rate_event(&format!("signup:ip:{ip}"), self.now())
                .await?;
            self.audit(
                "user.created",
                Some(&user.id),
                Some(&request.client_id),
                Some(ip),
                json!({}),
            )
            .await;
        }
        let method = format!(
            "{}_{}",
            request.channel,
            if request.kind == KIND_LINK {
                "magic_link"
            } else {
                "otp"
            }
        );
        self.audit(
            "login.success",
            Some(&user.id),
            Some(&request.client_id),
            Some(ip),
            json!({ "method": method }),
        )
        .await;
        Ok(user)
    }

    /// Checks a code. Success signs the user in (creating them on first sign-in) and returns a
    /// single-use authorization code bound to the request's PKCE challenge.
    pub async fn verify_code(
        &self,
        client: &Client,
        state: &str,
        channel: Channel,
        otp: &str,
        ip: &str,
    ) -> Result<String, AuthError> {
        let request = self.live_request(Some(client), state, KIND_CODE).await?;
        if request.channel != channel.as_str() {
            return Err(AuthError::InvalidRequest("unknown state"));
        }
        let otp = otp.trim();
        let well_formed = otp.len() == 6 && otp.bytes().all(|b| b.is_ascii_digit());
        self.check_signup_allowed(&request, ip).await?;
        self.check_secret(&request, otp, well_formed, ip).await?;
        if !self.store.consume_otp(state, self.now()).await? {
            return Err(AuthError::InvalidGrant(
                "this sign-in request was already completed",
            ));
        }
        let user = self.sign_in_contact(&request, ip).await?;
        let amr: &[&str] = if channel == Channel::Sms {
            &["otp", "sms"]
        } else {
            &["otp"]
        };
        self.issue_auth_code(client, &user, &request.code_challenge, amr)
            .await
    }

    /// The magic-link request behind `state`, for the confirm page (no try is spent).
    pub async fn magic_link_client(&self, state: &str) -> Result<Client, AuthError> {
        let request = self.live_request(None, state, KIND_LINK).await?;
        if request.expires_at <= self.now() {
            return Err(AuthError::OtpExpired);
        }
        self.store
            .client(&request.client_id)
            .await?
            .ok_or(AuthError::InvalidRequest("unknown state"))
    }

    /// Confirms a magic link (the POST from its confirm page). A wrong `magictext` spends a try.
    pub async fn confirm_magic_link(
        &self,
        state: &str,
        magictext: &str,
        ip: &str,
    ) -> Result<Confirmed, AuthError> {
        let request = self.live_request(None, state, KIND_LINK).await?;
        let client = self
            .store
            .client(&request.client_id)
            .await?
            .ok_or(AuthError::InvalidRequest("unknown state"))?;
        let well_formed = magictext.len() == 43;
        self.check_signup_allowed(&request, ip).await?;
        self.check_secret(&request, magictext, well_formed, ip)
            .await?;
        let user = self.sign_in_contact(&request, ip).await?;
        if !self.store.confirm_link(state, &user.id, self.now()).await? {
            return Err(AuthError::InvalidGrant(
                "this sign-in request was already completed",
            ));
        }
        let redirect_uri = request.redirect_uri.map(|uri| {
            let sep = if uri.contains('?') { '&' } else { '?' };
            format!("{uri}{sep}state={state}")
        });
        Ok(Confirmed {
            redirect_uri,
            client_name: client.name,
        })
    }

    /// The starting browser's poll. Without the right PKCE verifier it never yields a code;
    /// with it, a confirmed link yields its authorization code exactly once.
    pub async fn magic_link_status(
        &self,
        client: &Client,
        state: &str,
        verifier: &str,
    ) -> Result<LinkStatus, AuthError> {
        let request = self
            .store
            .otp(state)
            .await?
            .filter(|r| r.kind == KIND_LINK && r.client_id == client.id)
            .ok_or(AuthError::InvalidRequest("unknown state"))?;
        let expected = crypto::pkce_challenge(verifier);
        if !crypto::constant_time_eq(expected.as_bytes(), request.code_challenge.as_bytes()) {
            return Err(AuthError::InvalidGrant(
                "code_verifier does not match the code_challenge",
            ));
        }
        if request.consumed_at.is_some() {
            return Err(AuthError::InvalidGrant(
                "this sign-in request was already completed",
            ));
        }
        let now = self.now();
        let (Some(_), Some(user_id)) = (request.verified_at, request.user_id.as_deref()) else {
            let dead = request.expires_at <= now || request.attempts >= self.otp.max_attempts;
            return Ok(if dead {
                LinkStatus::Expired
            } else {
                LinkStatus::Pending
            });
        };
        if !self.store.consume_otp(state, now).await? {
            return Err(AuthError::InvalidGrant(
                "this sign-in request was already completed",
            ));
        }
        let user = self
            .store
            .user(user_id)
            .await?
            .ok_or(AuthError::InvalidGrant("the user no longer exists"))?;
        let code = self
            .issue_auth_code(client, &user, &request.code_challenge, &["otp"])
            .await?;
        Ok(LinkStatus::Verified(code))
    }
}
