-- Account self-service (issue 16): deleted accounts and email changes.
-- Additive and idempotent, like every migration here.

-- A deleted account keeps its row (the app's foreign keys may point at it)
-- with status 'deleted' and its personal data erased. Its email becomes the
-- placeholder deleted-<id>@deleted.invalid (RFC 2606), so the address may
-- register again while users_email_lower_key, the index every ON CONFLICT
-- ((lower(email))) in the gateway infers, stays as it is.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_account_status_check;
ALTER TABLE users ADD CONSTRAINT users_account_status_check
  CHECK (account_status IN ('active', 'disabled', 'deleted'));

-- Pending email changes: one row per confirmation link sent to a new address.
-- A newer request supersedes (revokes) the older ones of the same user.
CREATE TABLE IF NOT EXISTS email_changes (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL,
  new_email TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS email_changes_token_hash_key ON email_changes (token_hash);
CREATE INDEX IF NOT EXISTS email_changes_user_idx ON email_changes (user_id);
CREATE INDEX IF NOT EXISTS email_changes_expires_idx ON email_changes (expires_at);
