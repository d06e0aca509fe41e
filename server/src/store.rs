//! Persistence. SQLite today; every query is plain SQL that Postgres also speaks, so the
//! Postgres store can share it.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};

use crate::clock::UnixTime;

mod oidc;
pub use oidc::{FlowRow, IdentityRow, OrganizationRow, ProviderRow};

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

/// A registered application.
#[derive(Debug, Clone)]
pub struct Client {
    /// Client id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// SHA-256 hex of the secret; `None` for public clients.
    pub secret_hash: Option<String>,
    /// Exact origins allowed to call the API from a browser.
    pub allowed_origins: Vec<String>,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Access token audience (defaults to the client id).
    pub audience: Option<String>,
    /// Enabled sign-in methods (`email_code`, `magic_link`, `sms_code`, `passkey`).
    pub methods: Vec<String>,
    /// Lifetime of this client's magic links, seconds (default 300).
    pub magic_link_ttl: Option<i64>,
}

/// All sign-in methods, in display order.
pub const ALL_METHODS: [&str; 4] = ["email_code", "magic_link", "sms_code", "passkey"];

/// Which contact column identifies a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactColumn {
    /// `users.email`.
    Email,
    /// `users.phone`.
    Phone,
}

/// A stored user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// User id.
    pub id: String,
    /// Email, lowercased.
    pub email: Option<String>,
    /// Whether the email was proven.
    pub email_verified: bool,
    /// Phone (E.164).
    pub phone: Option<String>,
    /// Whether the phone was proven.
    pub phone_verified: bool,
    /// Creation time.
    pub created_at: UnixTime,
}

/// A stored one-time-code request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OtpRequest {
    /// The public handle.
    pub state: String,
    /// Client that started it.
    pub client_id: String,
    /// `email` (later `sms`).
    pub channel: String,
    /// Email address or phone number.
    pub identifier: String,
    /// Keyed hash of the current code.
    pub code_hash: Vec<u8>,
    /// PKCE challenge of the starting browser.
    pub code_challenge: String,
    /// Tries used so far.
    pub attempts: i64,
    /// When the current code was sent.
    pub last_sent_at: UnixTime,
    /// When the current code expires.
    pub expires_at: UnixTime,
    /// When it was used up: by a right code, or (links) when the starting browser took its
    /// authorization code.
    pub consumed_at: Option<UnixTime>,
    /// `code` or `link`.
    pub kind: String,
    /// Links: where the starting browser lands after confirming.
    pub redirect_uri: Option<String>,
    /// Language of the messages.
    pub locale: Option<String>,
    /// Links: when the link was confirmed.
    pub verified_at: Option<UnixTime>,
    /// Links: the user the confirmed link signed in.
    pub user_id: Option<String>,
}

/// A stored authorization code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthCode {
    /// Client the code was issued to.
    pub client_id: String,
    /// The signed-in user.
    pub user_id: String,
    /// PKCE challenge.
    pub code_challenge: String,
    /// Authentication methods (JSON array).
    pub amr: String,
    /// Expiry.
    pub expires_at: UnixTime,
    /// When it was exchanged.
    pub used_at: Option<UnixTime>,
    /// The session created by the exchange.
    pub session_id: Option<String>,
    /// The organization whose SSO connection signed the user in.
    pub org_id: Option<String>,
}

/// A passkey ceremony in flight.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CeremonyRow {
    /// The opaque handle the browser holds.
    pub id: String,
    /// `register`, `login` or `login_discoverable`.
    pub kind: String,
    /// The client that started it.
    pub client_id: String,
    /// Register: the signed-in user; login with an email: that account.
    pub user_id: Option<String>,
    /// Login: the widget's PKCE challenge.
    pub code_challenge: Option<String>,
    /// webauthn-rs ceremony state (JSON).
    pub state: String,
    /// Expiry.
    pub expires_at: UnixTime,
    /// When a finish took it.
    pub used_at: Option<UnixTime>,
}

/// A registered passkey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    /// Our id (`pk_…`).
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// base64url WebAuthn credential id.
    pub credential_id: String,
    /// webauthn-rs `Passkey` (JSON, public data).
    pub passkey: String,
    /// The owner's name for it.
    pub name: String,
    /// Signature counter last seen.
    pub sign_count: i64,
    /// Whether it may be synced.
    pub backup_eligible: bool,
    /// Whether it is synced.
    pub backup_state: bool,
    /// Registration time.
    pub created_at: UnixTime,
    /// Last sign-in.
    pub last_used_at: Option<UnixTime>,
}

/// A stored session (one refresh-token family).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Session id (`sid`).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The client.
    pub client_id: String,
    /// Authentication methods (JSON array).
    pub amr: String,
    /// End of the session.
    pub expires_at: UnixTime,
    /// Set when revoked.
    pub revoked_at: Option<UnixTime>,
    /// The organization whose SSO connection signed the user in (the `org_id` claim).
    pub org_id: Option<String>,
}

/// A stored refresh token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshRow {
    /// Its session (family).
    pub session_id: String,
    /// Expiry.
    pub expires_at: UnixTime,
    /// When it was rotated.
    pub used_at: Option<UnixTime>,
}

/// A stored signing key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: String,
    /// Sealed PKCS#8.
    pub private_key_enc: Vec<u8>,
    /// Public JWK (JSON).
    pub public_jwk: String,
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

impl Store {
    /// Opens (creating if needed) the database at `url` and runs pending migrations.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations.
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))
    }

    // ---- clients

    /// Inserts a client.
    pub async fn insert_client(&self, c: &Client, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO clients (id, name, secret_hash, allowed_origins, redirect_uris, audience, methods,
                 magic_link_ttl, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.secret_hash)
        .bind(to_json_list(&c.allowed_origins))
        .bind(to_json_list(&c.redirect_uris))
        .bind(&c.audience)
        .bind(to_json_list(&c.methods))
        .bind(c.magic_link_ttl)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces the origins and redirect URIs of a client (used to keep the demo client current).
    pub async fn update_client_urls(&self, c: &Client) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE clients SET allowed_origins = ?, redirect_uris = ?, methods = ? WHERE id = ?",
        )
        .bind(to_json_list(&c.allowed_origins))
        .bind(to_json_list(&c.redirect_uris))
        .bind(to_json_list(&c.methods))
        .bind(&c.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds a client by id.
    pub async fn client(&self, id: &str) -> Result<Option<Client>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, name, secret_hash, allowed_origins, redirect_uris, audience, methods, magic_link_ttl
             FROM clients WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Client {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            secret_hash: r.try_get("secret_hash")?,
            allowed_origins: json_list(r.try_get("allowed_origins")?),
            redirect_uris: json_list(r.try_get("redirect_uris")?),
            audience: r.try_get("audience")?,
            methods: json_list(r.try_get("methods")?),
            magic_link_ttl: r.try_get("magic_link_ttl")?,
        }))
    }

    // ---- users

    /// Finds the user with this verified email (`column` = `email`) or phone (`column` =
    /// `phone`), or creates one; marks it verified either way. Returns the user and whether it
    /// was created.
    pub async fn upsert_verified_user(
        &self,
        new_id: &str,
        column: ContactColumn,
        value: &str,
        now: UnixTime,
    ) -> Result<(UserRow, bool), sqlx::Error> {
        let (insert, select) = match column {
            ContactColumn::Email => (
                "INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, 1, ?)
                 ON CONFLICT (email) DO UPDATE SET email_verified = 1",
                "SELECT * FROM users WHERE email = ?",
            ),
            ContactColumn::Phone => (
                "INSERT INTO users (id, phone, phone_verified, created_at) VALUES (?, ?, 1, ?)
                 ON CONFLICT (phone) DO UPDATE SET phone_verified = 1",
                "SELECT * FROM users WHERE phone = ?",
            ),
        };
        sqlx::query(insert)
            .bind(new_id)
            .bind(value)
            .bind(now)
            .execute(&self.pool)
            .await?;
        let user = sqlx::query_as::<_, UserRow>(select)
            .bind(value)
            .fetch_one(&self.pool)
            .await?;
        let created = user.id == new_id;
        Ok((user, created))
    }

    /// Finds a user by id.
    pub async fn user(&self, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
        sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Finds a user by (lowercased) email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
        sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE email = ?")
            .bind(email)
            .fetch_optional(&self.pool)
            .await
    }

    // ---- passkeys

    /// The user's WebAuthn handle; stores `fresh` first if they have none.
    pub async fn ensure_passkey_handle(
        &self,
        user_id: &str,
        fresh: &str,
    ) -> Result<String, sqlx::Error> {
        sqlx::query(
            "INSERT INTO passkey_user_handles (user_id, handle) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(fresh)
        .execute(&self.pool)
        .await?;
        sqlx::query_scalar("SELECT handle FROM passkey_user_handles WHERE user_id = ?")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await
    }

    /// The user behind a WebAuthn handle.
    pub async fn user_by_passkey_handle(
        &self,
        handle: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT user_id FROM passkey_user_handles WHERE handle = ?")
            .bind(handle)
            .fetch_optional(&self.pool)
            .await
    }

    /// Stores a ceremony.
    pub async fn insert_ceremony(&self, c: &CeremonyRow, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO passkey_ceremonies (id, kind, client_id, user_id, code_challenge, state, expires_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.id)
        .bind(&c.kind)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(&c.code_challenge)
        .bind(&c.state)
        .bind(c.expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Atomically marks a ceremony of `client_id` used and returns it; `None` if it is unknown
    /// or already used.
    pub async fn take_ceremony(
        &self,
        id: &str,
        client_id: &str,
        now: UnixTime,
    ) -> Result<Option<CeremonyRow>, sqlx::Error> {
        sqlx::query_as::<_, CeremonyRow>(
            "UPDATE passkey_ceremonies SET used_at = ? WHERE id = ? AND client_id = ? AND used_at IS NULL
             RETURNING id, kind, client_id, user_id, code_challenge, state, expires_at, used_at",
        )
        .bind(now)
        .bind(id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
    }

    /// A ceremony, used or not.
    pub async fn ceremony(&self, id: &str) -> Result<Option<CeremonyRow>, sqlx::Error> {
        sqlx::query_as::<_, CeremonyRow>(
            "SELECT id, kind, client_id, user_id, code_challenge, state, expires_at, used_at
             FROM passkey_ceremonies WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    /// Deletes ceremonies that expired before `before`.
    pub async fn delete_stale_ceremonies(&self, before: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at < ?")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a passkey.
    pub async fn insert_passkey(&self, p: &PasskeyRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO passkeys (id, user_id, credential_id, passkey, name, sign_count, backup_eligible,
                 backup_state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(&p.user_id)
        .bind(&p.credential_id)
        .bind(&p.passkey)
        .bind(&p.name)
        .bind(p.sign_count)
        .bind(p.backup_eligible)
        .bind(p.backup_state)
        .bind(p.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A user's passkeys, oldest first.
    pub async fn passkeys_of(&self, user_id: &str) -> Result<Vec<PasskeyRow>, sqlx::Error> {
        sqlx::query_as::<_, PasskeyRow>(
            "SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
    }

    /// One of a user's passkeys.
    pub async fn passkey(
        &self,
        id: &str,
        user_id: &str,
    ) -> Result<Option<PasskeyRow>, sqlx::Error> {
        sqlx::query_as::<_, PasskeyRow>("SELECT * FROM passkeys WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The passkey with this (base64url) credential id.
    pub async fn passkey_by_credential_id(
        &self,
        credential_id: &str,
    ) -> Result<Option<PasskeyRow>, sqlx::Error> {
        sqlx::query_as::<_, PasskeyRow>("SELECT * FROM passkeys WHERE credential_id = ?")
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Records a sign-in with a passkey: its updated state, counter and backup flags. Only
    /// when the counter moved forward (or both it and the stored one are 0, as with synced
    /// passkeys); returns false otherwise, changing nothing.
    pub async fn record_passkey_use(
        &self,
        id: &str,
        passkey: &str,
        sign_count: i64,
        backup_eligible: bool,
        backup_state: bool,
        now: UnixTime,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE passkeys SET passkey = ?, sign_count = ?, backup_eligible = ?, backup_state = ?,
                 last_used_at = ?
             WHERE id = ? AND (sign_count < ? OR (? = 0 AND sign_count = 0))",
        )
        .bind(passkey)
        .bind(sign_count)
        .bind(backup_eligible)
        .bind(backup_state)
        .bind(now)
        .bind(id)
        .bind(sign_count)
        .bind(sign_count)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Renames a user's passkey; false if they have none with that id.
    pub async fn rename_passkey(
        &self,
        id: &str,
        user_id: &str,
        name: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?")
            .bind(name)
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a user's passkey; false if they have none with that id.
    pub async fn delete_passkey(&self, id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM passkeys WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- one-time codes

    /// Stores a new code request.
    pub async fn insert_otp(&self, r: &OtpRequest, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO otp_requests (state, client_id, channel, identifier, code_hash, code_challenge,
                 attempts, sends, last_sent_at, expires_at, created_at, kind, redirect_uri, locale)
             VALUES (?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.state)
        .bind(&r.client_id)
        .bind(&r.channel)
        .bind(&r.identifier)
        .bind(&r.code_hash)
        .bind(&r.code_challenge)
        .bind(r.last_sent_at)
        .bind(r.expires_at)
        .bind(now)
        .bind(&r.kind)
        .bind(&r.redirect_uri)
        .bind(&r.locale)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds a code request by its handle.
    pub async fn otp(&self, state: &str) -> Result<Option<OtpRequest>, sqlx::Error> {
        sqlx::query_as::<_, OtpRequest>("SELECT * FROM otp_requests WHERE state = ?")
            .bind(state)
            .fetch_optional(&self.pool)
            .await
    }

    /// Replaces the code of a live request (resend). Never touches `attempts`.
    /// Returns false when the request is no longer live.
    pub async fn replace_otp_code(
        &self,
        state: &str,
        code_hash: &[u8],
        now: UnixTime,
        expires_at: UnixTime,
        max_attempts: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE otp_requests SET code_hash = ?, last_sent_at = ?, expires_at = ?, sends = sends + 1
             WHERE state = ? AND consumed_at IS NULL AND attempts < ?",
        )
        .bind(code_hash)
        .bind(now)
        .bind(expires_at)
        .bind(state)
        .bind(max_attempts)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Atomically spends one try on a live request. Returns the request as it was after the
    /// try was counted, or `None` if no try is left (or it was used up).
    pub async fn spend_otp_attempt(
        &self,
        state: &str,
        max_attempts: i64,
    ) -> Result<Option<(i64, Vec<u8>, UnixTime)>, sqlx::Error> {
        let row = sqlx::query(
            "UPDATE otp_requests SET attempts = attempts + 1
             WHERE state = ? AND consumed_at IS NULL AND attempts < ?
             RETURNING attempts, code_hash, expires_at",
        )
        .bind(state)
        .bind(max_attempts)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                r.try_get("attempts")?,
                r.try_get("code_hash")?,
                r.try_get("expires_at")?,
            ))
        })
        .transpose()
    }

    /// Marks a request used; false if it already was.
    pub async fn consume_otp(&self, state: &str, now: UnixTime) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE otp_requests SET consumed_at = ? WHERE state = ? AND consumed_at IS NULL",
        )
        .bind(now)
        .bind(state)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that a link was confirmed by `user_id`; false if it already was.
    pub async fn confirm_link(
        &self,
        state: &str,
        user_id: &str,
        now: UnixTime,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE otp_requests SET verified_at = ?, user_id = ?
             WHERE state = ? AND verified_at IS NULL AND consumed_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(state)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A client's own template of `kind` in `locale`, if it set one.
    pub async fn template(
        &self,
        client_id: &str,
        kind: &str,
        locale: &str,
    ) -> Result<Option<crate::messages::Template>, sqlx::Error> {
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT subject, text, html FROM message_templates WHERE client_id = ? AND kind = ? AND locale = ?")
                .bind(client_id)
                .bind(kind)
                .bind(locale)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(subject, text, html)| crate::messages::Template {
            subject,
            text,
            html,
        }))
    }

    /// Sets a client's template of `kind` in `locale`.
    pub async fn set_template(
        &self,
        client_id: &str,
        kind: &str,
        locale: &str,
        t: &crate::messages::Template,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO message_templates (client_id, kind, locale, subject, text, html) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (client_id, kind, locale) DO UPDATE SET subject = excluded.subject, text = excluded.text,
                 html = excluded.html",
        )
        .bind(client_id)
        .bind(kind)
        .bind(locale)
        .bind(&t.subject)
        .bind(&t.text)
        .bind(&t.html)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- authorization codes

    /// Stores an authorization code (by hash).
    pub async fn insert_auth_code(
        &self,
        hash: &[u8],
        c: &AuthCode,
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO auth_codes (code_hash, client_id, user_id, code_challenge, amr, expires_at, created_at, org_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(hash)
        .bind(&c.client_id)
        .bind(&c.user_id)
        .bind(&c.code_challenge)
        .bind(&c.amr)
        .bind(c.expires_at)
        .bind(now)
        .bind(&c.org_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds an authorization code by hash.
    pub async fn auth_code(&self, hash: &[u8]) -> Result<Option<AuthCode>, sqlx::Error> {
        sqlx::query_as::<_, AuthCode>("SELECT * FROM auth_codes WHERE code_hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
    }

    /// Marks a code used by `session_id`; false if it already was.
    pub async fn use_auth_code(
        &self,
        hash: &[u8],
        session_id: &str,
        now: UnixTime,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE auth_codes SET used_at = ?, session_id = ? WHERE code_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(session_id)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- sessions and refresh tokens

    /// Stores a session.
    pub async fn insert_session(&self, s: &SessionRow, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, client_id, amr, created_at, expires_at, org_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(&s.client_id)
        .bind(&s.amr)
        .bind(now)
        .bind(s.expires_at)
        .bind(&s.org_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds a session.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
        sqlx::query_as::<_, SessionRow>("SELECT * FROM sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Extends a session's end.
    pub async fn extend_session(&self, id: &str, expires_at: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET expires_at = ? WHERE id = ?")
            .bind(expires_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Revokes a session and so every refresh token of its family.
    pub async fn revoke_session(&self, id: &str, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a refresh token (by hash).
    pub async fn insert_refresh(
        &self,
        hash: &[u8],
        session_id: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(hash)
            .bind(session_id)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Finds a refresh token by hash.
    pub async fn refresh(&self, hash: &[u8]) -> Result<Option<RefreshRow>, sqlx::Error> {
        sqlx::query_as::<_, RefreshRow>(
            "SELECT session_id, expires_at, used_at FROM refresh_tokens WHERE token_hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
    }

    /// Marks a refresh token rotated; false if it already was.
    pub async fn use_refresh(&self, hash: &[u8], now: UnixTime) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- signing keys

    /// Keys that are not retired, newest first.
    pub async fn active_signing_keys(&self) -> Result<Vec<SigningKeyRow>, sqlx::Error> {
        sqlx::query_as::<_, SigningKeyRow>(
            "SELECT kid, alg, private_key_enc, public_jwk FROM signing_keys WHERE retired_at IS NULL
             ORDER BY created_at DESC, kid",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Stores a signing key.
    pub async fn insert_signing_key(
        &self,
        k: &SigningKeyRow,
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, private_key_enc, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&k.kid)
        .bind(&k.alg)
        .bind(&k.private_key_enc)
        .bind(&k.public_jwk)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- rate limits and audit

    /// Sliding-window limit: counts events of `key` in the last `window` seconds; if fewer than
    /// `limit`, records one and returns `None`; otherwise returns the seconds until a slot frees.
    pub async fn hit_rate_limit(
        &self,
        key: &str,
        limit: i64,
        window: i64,
        now: UnixTime,
    ) -> Result<Option<u64>, sqlx::Error> {
        if let Some(wait) = self.rate_limited(key, limit, window, now).await? {
            return Ok(Some(wait));
        }
        self.record_rate_event(key, now).await?;
        Ok(None)
    }

    /// Whether `key` has `limit` events in the last `window` seconds (dropping older ones);
    /// if so, the seconds until the oldest leaves the window.
    pub async fn rate_limited(
        &self,
        key: &str,
        limit: i64,
        window: i64,
        now: UnixTime,
    ) -> Result<Option<u64>, sqlx::Error> {
        sqlx::query("DELETE FROM rate_events WHERE key = ? AND at <= ?")
            .bind(key)
            .bind(now - window)
            .execute(&self.pool)
            .await?;
        let row =
            sqlx::query("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_events WHERE key = ?")
                .bind(key)
                .fetch_one(&self.pool)
                .await?;
        let n: i64 = row.try_get("n")?;
        if n < limit {
            return Ok(None);
        }
        let oldest: Option<i64> = row.try_get("oldest")?;
        let wait = oldest.unwrap_or(now) + window - now;
        Ok(Some(u64::try_from(wait.max(1)).unwrap_or(1)))
    }

    /// Records one event of `key`.
    pub async fn record_rate_event(&self, key: &str, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO rate_events (key, at) VALUES (?, ?)")
            .bind(key)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets every event of `key` (a success ends a run of failures).
    pub async fn clear_rate_events(&self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM rate_events WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether a user with this email or phone exists.
    pub async fn contact_exists(
        &self,
        column: ContactColumn,
        value: &str,
    ) -> Result<bool, sqlx::Error> {
        let sql = match column {
            ContactColumn::Email => "SELECT COUNT(*) FROM users WHERE email = ?",
            ContactColumn::Phone => "SELECT COUNT(*) FROM users WHERE phone = ?",
        };
        let n: i64 = sqlx::query_scalar(sql)
            .bind(value)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Appends an audit event.
    pub async fn audit(&self, e: &AuditEvent<'_>, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO audit_events (at, kind, user_id, client_id, ip, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(now)
            .bind(e.kind)
            .bind(e.user_id)
            .bind(e.client_id)
            .bind(e.ip)
            .bind(e.detail.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The audit events of one kind, oldest first, as `(user_id, ip, detail)` (for tests and
    /// operators).
    pub async fn audit_of_kind(
        &self,
        kind: &str,
    ) -> Result<Vec<(Option<String>, Option<String>, String)>, sqlx::Error> {
        sqlx::query_as("SELECT user_id, ip, detail FROM audit_events WHERE kind = ? ORDER BY id")
            .bind(kind)
            .fetch_all(&self.pool)
            .await
    }

    /// The kinds of the audit events of a user, oldest first (for tests and the login logs API).
    pub async fn audit_kinds(&self, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT kind FROM audit_events WHERE user_id = ? ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
    }
}

/// One audit event.
#[derive(Debug)]
pub struct AuditEvent<'a> {
    /// What happened, e.g. `login.success`.
    pub kind: &'a str,
    /// The user, when known.
    pub user_id: Option<&'a str>,
    /// The client.
    pub client_id: Option<&'a str>,
    /// The caller's IP.
    pub ip: Option<&'a str>,
    /// Details (JSON).
    pub detail: serde_json::Value,
}
