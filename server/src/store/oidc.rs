//! Storage of OpenID Connect providers, organizations, sign-in flows and linked identities.

use super::{Store, UserRow};
use crate::clock::UnixTime;

/// An OpenID provider: a client's social provider or an organization's SSO connection.
#[derive(Clone, sqlx::FromRow)]
pub struct ProviderRow {
    /// `idp_…`.
    pub id: String,
    /// The client whose social provider this is; `None` for an organization's connection.
    pub client_id: Option<String>,
    /// The organization whose connection this is.
    pub org_id: Option<String>,
    /// The name in the authorize path (`google`), unique per client.
    pub slug: String,
    /// `google` or `oidc`.
    pub kind: String,
    /// Display name on the button.
    pub name: String,
    /// Issuer URL (discovery at `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// Our client id at the provider.
    pub oidc_client_id: String,
    /// Our client secret at the provider, sealed under the master key.
    pub oidc_client_secret: Option<Vec<u8>>,
    /// Requested scopes, space-separated.
    pub scopes: String,
}

impl std::fmt::Debug for ProviderRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderRow")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("org_id", &self.org_id)
            .field("slug", &self.slug)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("oidc_client_id", &self.oidc_client_id)
            .field(
                "oidc_client_secret",
                &self.oidc_client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// An organization.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizationRow {
    /// `org_…`.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A sign-in at a provider in flight.
#[derive(Clone, sqlx::FromRow)]
pub struct FlowRow {
    /// Our `state` toward the provider.
    pub state: String,
    /// The provider.
    pub provider_id: String,
    /// The client that started it.
    pub client_id: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// Our PKCE verifier toward the provider.
    pub pkce_verifier: String,
    /// The widget's PKCE challenge.
    pub code_challenge: String,
    /// Where the browser goes back (one of the client's redirect URIs).
    pub redirect_uri: String,
    /// The widget's `state`, given back on the redirect.
    pub client_state: Option<String>,
    /// Expiry.
    pub expires_at: UnixTime,
    /// When the callback took it.
    pub used_at: Option<UnixTime>,
}

impl std::fmt::Debug for FlowRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowRow")
            .field("provider_id", &self.provider_id)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("expires_at", &self.expires_at)
            .field("used_at", &self.used_at)
            .finish_non_exhaustive()
    }
}

/// A user's identity at a provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentityRow {
    /// The provider's issuer.
    pub issuer: String,
    /// The provider's `sub`.
    pub subject: String,
    /// Our user.
    pub user_id: String,
    /// The provider row it was first seen through.
    pub provider_id: String,
    /// The email the provider gave.
    pub email: Option<String>,
}

impl Store {
    // ---- providers

    /// Adds a provider: a client's replaces the client's provider of the same slug; an
    /// organization's (no client, so no conflict) is always new.
    pub async fn upsert_provider(&self, p: &ProviderRow, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO oidc_providers (id, client_id, org_id, slug, kind, name, issuer, oidc_client_id,
                 oidc_client_secret, scopes, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (client_id, slug) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                 issuer = excluded.issuer, oidc_client_id = excluded.oidc_client_id,
                 oidc_client_secret = excluded.oidc_client_secret, scopes = excluded.scopes",
        )
        .bind(&p.id)
        .bind(&p.client_id)
        .bind(&p.org_id)
        .bind(&p.slug)
        .bind(&p.kind)
        .bind(&p.name)
        .bind(&p.issuer)
        .bind(&p.oidc_client_id)
        .bind(&p.oidc_client_secret)
        .bind(&p.scopes)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A provider by id.
    pub async fn provider(&self, id: &str) -> Result<Option<ProviderRow>, sqlx::Error> {
        sqlx::query_as::<_, ProviderRow>("SELECT * FROM oidc_providers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// A client's social provider by slug.
    pub async fn client_provider(
        &self,
        client_id: &str,
        slug: &str,
    ) -> Result<Option<ProviderRow>, sqlx::Error> {
        sqlx::query_as::<_, ProviderRow>(
            "SELECT * FROM oidc_providers WHERE client_id = ? AND slug = ?",
        )
        .bind(client_id)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
    }

    /// A client's social providers, in the order they were added.
    pub async fn client_providers(&self, client_id: &str) -> Result<Vec<ProviderRow>, sqlx::Error> {
        sqlx::query_as::<_, ProviderRow>(
            "SELECT * FROM oidc_providers WHERE client_id = ? ORDER BY created_at, rowid",
        )
        .bind(client_id)
        .fetch_all(&self.pool)
        .await
    }

    /// An organization's SSO connection.
    pub async fn org_provider(&self, org_id: &str) -> Result<Option<ProviderRow>, sqlx::Error> {
        sqlx::query_as::<_, ProviderRow>("SELECT * FROM oidc_providers WHERE org_id = ?")
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Whether any organization has a connection.
    pub async fn any_org_provider(&self) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar::<_, i64>(
            "SELECT EXISTS (SELECT 1 FROM oidc_providers WHERE org_id IS NOT NULL)",
        )
        .fetch_one(&self.pool)
        .await
        .map(|n| n != 0)
    }

    // ---- organizations

    /// Stores an organization with its (lowercased) domains.
    pub async fn insert_organization(
        &self,
        org: &OrganizationRow,
        domains: &[String],
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)")
            .bind(&org.id)
            .bind(&org.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        for domain in domains {
            sqlx::query("INSERT INTO organization_domains (domain, org_id) VALUES (?, ?)")
                .bind(domain)
                .bind(&org.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// An organization by id.
    pub async fn organization(&self, id: &str) -> Result<Option<OrganizationRow>, sqlx::Error> {
        sqlx::query_as::<_, OrganizationRow>("SELECT id, name FROM organizations WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The organization owning an email domain (lowercased).
    pub async fn organization_by_domain(
        &self,
        domain: &str,
    ) -> Result<Option<OrganizationRow>, sqlx::Error> {
        sqlx::query_as::<_, OrganizationRow>(
            "SELECT o.id, o.name FROM organizations o
             JOIN organization_domains d ON d.org_id = o.id WHERE d.domain = ?",
        )
        .bind(domain)
        .fetch_optional(&self.pool)
        .await
    }

    // ---- flows

    /// Stores a flow.
    pub async fn insert_flow(&self, f: &FlowRow, now: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO oidc_flows (state, provider_id, client_id, nonce, pkce_verifier, code_challenge,
                 redirect_uri, client_state, expires_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&f.state)
        .bind(&f.provider_id)
        .bind(&f.client_id)
        .bind(&f.nonce)
        .bind(&f.pkce_verifier)
        .bind(&f.code_challenge)
        .bind(&f.redirect_uri)
        .bind(&f.client_state)
        .bind(f.expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes a flow for its callback: marks it used and returns it as it was, or `None` if it
    /// is unknown. A flow already used comes back with `used_at` set (and stays used).
    pub async fn take_flow(
        &self,
        state: &str,
        now: UnixTime,
    ) -> Result<Option<FlowRow>, sqlx::Error> {
        let flow = sqlx::query_as::<_, FlowRow>("SELECT * FROM oidc_flows WHERE state = ?")
            .bind(state)
            .fetch_optional(&self.pool)
            .await?;
        let Some(mut flow) = flow else {
            return Ok(None);
        };
        if flow.used_at.is_none() {
            let done = sqlx::query(
                "UPDATE oidc_flows SET used_at = ? WHERE state = ? AND used_at IS NULL",
            )
            .bind(now)
            .bind(state)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() != 1 {
                // A concurrent callback took it first.
                flow.used_at = Some(now);
            }
        }
        Ok(Some(flow))
    }

    /// Deletes flows that expired before `before`.
    pub async fn delete_stale_flows(&self, before: UnixTime) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM oidc_flows WHERE expires_at < ?")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- identities

    /// The identity (issuer, subject), if linked.
    pub async fn identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<IdentityRow>, sqlx::Error> {
        sqlx::query_as::<_, IdentityRow>(
            "SELECT issuer, subject, user_id, provider_id, email FROM user_identities
             WHERE issuer = ? AND subject = ?",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await
    }

    /// Links an identity to a user; `false` (and nothing changed) when the identity is
    /// already linked, e.g. by a concurrent callback.
    pub async fn insert_identity(
        &self,
        i: &IdentityRow,
        now: UnixTime,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(INSERT_IDENTITY)
            .bind(&i.issuer)
            .bind(&i.subject)
            .bind(&i.user_id)
            .bind(&i.provider_id)
            .bind(&i.email)
            .bind(now)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a sign-in through an identity.
    pub async fn touch_identity(
        &self,
        issuer: &str,
        subject: &str,
        now: UnixTime,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE user_identities SET last_used_at = ? WHERE issuer = ? AND subject = ?")
            .bind(now)
            .bind(issuer)
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The identities linked to a user.
    pub async fn identities_of(&self, user_id: &str) -> Result<Vec<IdentityRow>, sqlx::Error> {
        sqlx::query_as::<_, IdentityRow>(
            "SELECT issuer, subject, user_id, provider_id, email FROM user_identities
             WHERE user_id = ? ORDER BY created_at",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Creates the user `identity.user_id` and links `identity` to it, in one transaction:
    /// `email` (may be absent) is marked verified only when the provider said so. `None` (and
    /// nothing stored) when the identity is already linked or the email already has a user,
    /// e.g. through a concurrent callback: look again.
    pub async fn insert_federated_user(
        &self,
        identity: &IdentityRow,
        email: Option<&str>,
        email_verified: bool,
        now: UnixTime,
    ) -> Result<Option<UserRow>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let user = sqlx::query(
            "INSERT INTO users (id, email, email_verified, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(&identity.user_id)
        .bind(email)
        .bind(email_verified)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if user.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        let linked = sqlx::query(INSERT_IDENTITY)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.user_id)
            .bind(&identity.provider_id)
            .bind(&identity.email)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        if linked.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        let user = sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE id = ?")
            .bind(&identity.user_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user))
    }
}

const INSERT_IDENTITY: &str = "INSERT INTO user_identities
     (issuer, subject, user_id, provider_id, email, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (issuer, subject) DO NOTHING";
