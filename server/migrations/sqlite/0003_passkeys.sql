-- Passkeys (WebAuthn).

-- The WebAuthn user handle of a user: 16 random bytes (a UUID), never the user id or email,
-- because authenticators store it and give it back in discoverable sign-ins.
CREATE TABLE passkey_user_handles (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    handle  TEXT NOT NULL UNIQUE    -- UUID, hyphenated
);

-- A registered passkey.
CREATE TABLE passkeys (
    id              TEXT PRIMARY KEY,             -- pk_…, our id in the API
    user_id         TEXT NOT NULL REFERENCES users(id),
    credential_id   TEXT NOT NULL UNIQUE,         -- base64url of the WebAuthn credential id
    -- webauthn-rs `Passkey` as JSON: public key, algorithm, counter, flags. Public data only.
    passkey         TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- Mirrors of fields inside `passkey`, for listing and audits.
    sign_count      INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- Registration and sign-in ceremonies in flight. The browser holds only `id`; the challenge
-- state stays here. Single use (used_at), short-lived (expires_at).
CREATE TABLE passkey_ceremonies (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,                 -- 'register', 'login', 'login_discoverable'
    client_id      TEXT NOT NULL REFERENCES clients(id),
    user_id        TEXT REFERENCES users(id),     -- register: the signed-in user
    code_challenge TEXT,                          -- login: the widget's PKCE challenge
    state          TEXT NOT NULL,                 -- webauthn-rs ceremony state, JSON
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies(expires_at);
