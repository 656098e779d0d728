-- Multi-factor authentication (issue 14). Additive and idempotent.

-- The RFC 8176 methods a session was authenticated with, on every refresh
-- token of the session (copied to each successor on rotation). NULL is a
-- session started before this column existed: a password login, ["pwd"].
ALTER TABLE auth_tokens ADD COLUMN IF NOT EXISTS amr TEXT[];

-- Whether TOTP is on, on the users row so that login reads it with the user.
-- Kept in step with user_totp.enabled_at in the same transaction.
ALTER TABLE users ADD COLUMN IF NOT EXISTS totp_enabled BOOLEAN NOT NULL DEFAULT false;

-- One TOTP factor a user: pending (enabled_at NULL) until confirmed.
-- secret_encrypted is AES-256-GCM under MFA_ENCRYPTION_KEY, tagged with its key id;
-- last_used_step is the newest 30 s step accepted (a code is accepted once).
CREATE TABLE IF NOT EXISTS user_totp (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_encrypted TEXT NOT NULL,
  enabled_at TIMESTAMPTZ,
  last_used_step BIGINT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Recovery codes: SHA-256 hashes only; a code is spent by setting used_at.
CREATE TABLE IF NOT EXISTS user_recovery_codes (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS user_recovery_codes_user_hash_key ON user_recovery_codes (user_id, code_hash);

-- The second step of a login: the mfa_token (its SHA-256 hash), bound to a
-- user and a transport, single-use, counting the codes tried against it.
CREATE TABLE IF NOT EXISTS mfa_challenges (
  id BIGSERIAL PRIMARY KEY,
  token_hash TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  transport TEXT NOT NULL CHECK (transport IN ('cookie', 'bearer')),
  attempts INTEGER NOT NULL DEFAULT 0,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS mfa_challenges_token_hash_key ON mfa_challenges (token_hash);
CREATE INDEX IF NOT EXISTS mfa_challenges_expires_idx ON mfa_challenges (expires_at);
