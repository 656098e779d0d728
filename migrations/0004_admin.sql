-- The admin API (issue 15): who did it, and the indexes its queries need.
-- Additive and idempotent, like every migration here.

-- The acting user of an admin action (NULL for the user's own actions and for
-- the command line). Kept when that admin's row goes away.
ALTER TABLE auth_events ADD COLUMN IF NOT EXISTS actor_id BIGINT;

-- GET /auth/admin/events pages newest first (id DESC), optionally by user or type.
CREATE INDEX IF NOT EXISTS auth_events_user_id_idx ON auth_events (user_id, id);
CREATE INDEX IF NOT EXISTS auth_events_type_id_idx ON auth_events (event_type, id);
CREATE INDEX IF NOT EXISTS auth_events_actor_id_idx ON auth_events (actor_id, id) WHERE actor_id IS NOT NULL;

-- GET /auth/admin/users?q= is a case-insensitive substring match on email or
-- name. Trigram GIN indexes serve `ILIKE '%q%'` (pg_trgm ships with
-- PostgreSQL's contrib, with embedded-postgres's binaries, and on Neon, and is
-- a trusted extension: the database owner may create it). Where it cannot be
-- created, the search still works (a scan of users ordered by id) and the
-- migration does not fail.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available: admin user search scans instead of using an index';
END
$$;

DO $$
DECLARE
  ops TEXT;
BEGIN
  SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';
  IF ops IS NOT NULL THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS users_email_trgm_idx ON users USING gin (email %s)', ops);
    EXECUTE format('CREATE INDEX IF NOT EXISTS users_full_name_trgm_idx ON users USING gin (full_name %s)', ops);
  END IF;
END
$$;

-- `npm run admin -- list <role>` (and any "who holds this role" query): roles @> ARRAY[role].
CREATE INDEX IF NOT EXISTS users_roles_idx ON users USING gin (roles);
