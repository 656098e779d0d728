-- Hardening (issue 12) and fewer round trips (issue 13). Additive and idempotent.

-- The self-referencing foreign key (ON DELETE SET NULL) and the grace-window
-- lookup of a successor both scan parent_id: without an index, deleting
-- 200k expired rows scans the table once per deleted row.
CREATE INDEX IF NOT EXISTS auth_tokens_parent_idx ON auth_tokens (parent_id) WHERE parent_id IS NOT NULL;

-- Revokes refresh tokens of one user: one session (p_session), or all of them
-- but p_keep (p_session NULL). Returns each revoked row's session, and whether
-- it was live (unspent and unexpired at p_at).
--
-- It loops because a rotation may commit a successor while this runs: under
-- READ COMMITTED one UPDATE only sees the rows of its snapshot, so the
-- successor inserted by a rotation that held the parent's row lock would
-- survive the revocation of its parent. Each pass is a new statement with a
-- new snapshot (the function is VOLATILE), and a rotation that starts after a
-- pass has revoked its parent waits on that row lock and then finds it
-- revoked. The loop ends when a pass finds nothing left to revoke.
CREATE OR REPLACE FUNCTION auth_revoke_refresh(p_user BIGINT, p_session UUID, p_keep UUID, p_at TIMESTAMPTZ)
RETURNS TABLE (session_id UUID, was_live BOOLEAN)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n INTEGER;
BEGIN
  LOOP
    RETURN QUERY
      UPDATE auth_tokens t SET is_revoked = true, revoked_at = p_at
      WHERE t.user_id = p_user
        AND t.token_type = 'refresh'
        AND NOT t.is_revoked
        AND (p_session IS NULL OR t.session_id = p_session)
        AND (p_keep IS NULL OR t.session_id IS DISTINCT FROM p_keep)
      RETURNING t.session_id, (t.used_at IS NULL AND t.expires_at > p_at);
    GET DIAGNOSTICS n = ROW_COUNT;
    EXIT WHEN n = 0;
  END LOOP;
END $$;
