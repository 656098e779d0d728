-- Passkeys (WebAuthn credentials): one row per registered authenticator.
-- Additive and idempotent. `credential_id` and `public_key` are base64url
-- strings exactly as WebAuthn's JSON carries them; `counter` is the
-- authenticator's signature counter (0 for authenticators that keep none).

CREATE TABLE IF NOT EXISTS passkeys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  counter BIGINT NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  name TEXT NOT NULL,
  aaguid TEXT,
  backed_up BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_used_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX IF NOT EXISTS passkeys_credential_id_key ON passkeys (credential_id);
CREATE INDEX IF NOT EXISTS passkeys_user_idx ON passkeys (user_id);
