-- Times are unix seconds (INTEGER); ids are prefixed random strings.

CREATE TABLE clients (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    -- SHA-256 (hex) of the client secret; NULL for public clients.
    secret_hash     TEXT,
    -- JSON arrays of exact origins and redirect URIs.
    allowed_origins TEXT NOT NULL,
    redirect_uris   TEXT NOT NULL,
    -- The access token's `aud`; the client id when NULL.
    audience        TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT UNIQUE,
    email_verified INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    -- PKCS#8 DER, AES-256-GCM under the master key: nonce || ciphertext || tag.
    private_key_enc BLOB NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
);

-- One sign-in request by a one-time code (the `state` handle).
CREATE TABLE otp_requests (
    state          TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES clients(id),
    channel        TEXT NOT NULL,
    identifier     TEXT NOT NULL,
    -- HMAC-SHA256 of the code under a key derived from the master key.
    code_hash      BLOB NOT NULL,
    code_challenge TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    sends          INTEGER NOT NULL DEFAULT 1,
    last_sent_at   INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    consumed_at    INTEGER,
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    client_id  TEXT NOT NULL REFERENCES clients(id),
    amr        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE auth_codes (
    -- SHA-256 of the code.
    code_hash      BLOB PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES clients(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    code_challenge TEXT NOT NULL,
    amr            TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    session_id     TEXT,
    created_at     INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    -- SHA-256 of the token.
    token_hash BLOB PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

-- Sliding-window rate limits, kept in the database so they hold across instances.
CREATE TABLE rate_events (
    key TEXT NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX rate_events_key_at ON rate_events(key, at);

CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    user_id   TEXT,
    client_id TEXT,
    ip        TEXT,
    detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_user ON audit_events(user_id, at);
