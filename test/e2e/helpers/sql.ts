// One SQL statement on its own connection, for e2e tests that look into or
// seed a database the stack or a script under test works on.
import pg from "pg";

/**
 * The rows of `text` run on `url` with `params`.
 *
 * @example
 * const rows = await sql<{ n: number }>(stack.databaseUrl, "SELECT count(*)::int AS n FROM users");
 */
export async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
