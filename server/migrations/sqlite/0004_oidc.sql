-- Social login and enterprise SSO through OpenID Connect.

-- An organization, found from the email domains it owns.
CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,              -- org_…
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Lowercased email domains; a domain belongs to one organization.
CREATE TABLE organization_domains (
    domain TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id)
);
CREATE INDEX organization_domains_org ON organization_domains(org_id);

-- An OpenID provider: either a social provider of one client (client_id set, addressed by its
-- slug, e.g. `google`) or the SSO connection of an organization (org_id set, addressed by the
-- organization id, usable by every client).
CREATE TABLE oidc_providers (
    id                  TEXT PRIMARY KEY,     -- idp_…
    client_id           TEXT REFERENCES clients(id),
    org_id              TEXT UNIQUE REFERENCES organizations(id),
    slug                TEXT NOT NULL,
    kind                TEXT NOT NULL,        -- 'google' or 'oidc'
    name                TEXT NOT NULL,
    issuer              TEXT NOT NULL,
    oidc_client_id      TEXT NOT NULL,
    -- AES-256-GCM under the master key; NULL for a public client at the provider.
    oidc_client_secret  BLOB,
    scopes              TEXT NOT NULL,        -- space-separated
    created_at          INTEGER NOT NULL,
    CHECK ((client_id IS NULL) <> (org_id IS NULL))
);
CREATE UNIQUE INDEX oidc_providers_client_slug ON oidc_providers(client_id, slug);

-- A sign-in at a provider in flight. The browser holds only `state`; the rest stays here.
-- Single use (used_at), 10 minutes (expires_at).
CREATE TABLE oidc_flows (
    state           TEXT PRIMARY KEY,         -- ours, sent to the provider
    provider_id     TEXT NOT NULL REFERENCES oidc_providers(id),
    client_id       TEXT NOT NULL REFERENCES clients(id),
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,            -- ours, toward the provider
    code_challenge  TEXT NOT NULL,            -- the widget's
    redirect_uri    TEXT NOT NULL,            -- validated against the client's list
    client_state    TEXT,                     -- the widget's `state`, given back
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX oidc_flows_expires ON oidc_flows(expires_at);

-- A user's identity at a provider: (issuer, sub) is unique per OpenID Connect Core §5.7.
CREATE TABLE user_identities (
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users(id),
    provider_id  TEXT NOT NULL,
    email        TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities(user_id);

-- The organization a sign-in went through, carried from the code to the session to `org_id`.
ALTER TABLE auth_codes ADD COLUMN org_id TEXT;
ALTER TABLE sessions ADD COLUMN org_id TEXT;
