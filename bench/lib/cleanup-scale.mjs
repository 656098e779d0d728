// The hourly cleanup at scale (issue 12, item 5): 200k expired refresh tokens
// in chains (each row the parent of the next, as rotations leave them), then
// the cleanup's DELETE (the statement of src/db/repositories/tokens.ts
// deleteStaleTokens). The self-referencing foreign key (ON DELETE SET NULL)
// makes every deleted row look up its children by parent_id: with the index of
// migrations/0002_hardening.sql that is an index probe; without it, a scan of
// the table per row. The unindexed case is timed on a smaller table (it grows
// with the square of the rows) and stated per row.
import pg from "pg";

const CLEANUP_SQL = `DELETE FROM auth_tokens
  WHERE expires_at < $1
     OR (is_revoked AND revoked_at < $2)
     OR (used_at IS NOT NULL AND used_at < $2 AND token_type <> 'refresh')`;

async function seed(client, rows, chain) {
  await client.query("DELETE FROM auth_tokens");
  const user = (await client.query("INSERT INTO users (email) VALUES ('cleanup-' || gen_random_uuid() || '@example.com') RETURNING id")).rows[0].id;
  // Rows of a chain are consecutive ids: row i's parent is row i-1 unless it starts a chain.
  await client.query(
    `INSERT INTO auth_tokens (id, token_type, token_hash, user_id, session_id, parent_id, expires_at, used_at)
     SELECT 10000000 + g, 'refresh', md5(random()::text || g), $1, NULL,
            CASE WHEN g % $3 = 0 THEN NULL ELSE 10000000 + g - 1 END,
            now() - interval '1 day', now() - interval '8 days'
     FROM generate_series(0, $2 - 1) AS g`,
    [user, rows, chain],
  );
  await client.query("ANALYZE auth_tokens");
}

async function timeCleanup(client) {
  const t0 = performance.now();
  const res = await client.query(CLEANUP_SQL, [new Date(), new Date(Date.now() - 86_400_000)]);
  return { deleted: res.rowCount, ms: Number((performance.now() - t0).toFixed(1)) };
}

export async function measureCleanup({ pgUrl, rows = 200_000, unindexedRows = 4_000, chain = 20 }) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await seed(client, rows, chain);
    const indexed = { rows, ...(await timeCleanup(client)) };
    await client.query("BEGIN");
    await client.query("DROP INDEX auth_tokens_parent_idx");
    await seed(client, unindexedRows, chain);
    const unindexed = { rows: unindexedRows, ...(await timeCleanup(client)) };
    await client.query("ROLLBACK"); // the index is back, the rows gone
    const perRow = (x) => x.ms / x.rows;
    return {
      indexed,
      unindexed,
      msPerRowIndexed: Number(perRow(indexed).toFixed(4)),
      msPerRowUnindexed: Number(perRow(unindexed).toFixed(4)),
      // Unindexed, every deleted row scans the table: the cost per row grows with the table.
      unindexedAt200kEstimateS: Number(((perRow(unindexed) * (rows / unindexedRows) * rows) / 1000).toFixed(0)),
    };
  } finally {
    await client.end();
  }
}
