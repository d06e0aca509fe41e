-- Magic links and SMS codes share otp_requests with email codes.
ALTER TABLE otp_requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'code';  -- 'code' or 'link'
ALTER TABLE otp_requests ADD COLUMN redirect_uri TEXT;
ALTER TABLE otp_requests ADD COLUMN locale TEXT;
-- Links: set when the link is confirmed (the user it signed in); consumed_at is then set when
-- the starting browser's status poll takes the authorization code.
ALTER TABLE otp_requests ADD COLUMN verified_at INTEGER;
ALTER TABLE otp_requests ADD COLUMN user_id TEXT;

ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN phone_verified INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_phone ON users(phone);

-- Sign-in methods a client offers (JSON array), and how long its magic links live.
ALTER TABLE clients ADD COLUMN methods TEXT NOT NULL DEFAULT '["email_code","magic_link","sms_code"]';
ALTER TABLE clients ADD COLUMN magic_link_ttl INTEGER;

-- Per-client message templates (minijinja); absent rows fall back to the built-in texts.
CREATE TABLE message_templates (
    client_id TEXT NOT NULL REFERENCES clients(id),
    kind      TEXT NOT NULL,   -- 'email_code', 'magic_link', 'sms_code'
    locale    TEXT NOT NULL,   -- 'en', 'de', ...
    subject   TEXT NOT NULL,
    text      TEXT NOT NULL,
    html      TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, locale)
);
