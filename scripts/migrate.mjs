#!/usr/bin/env node
// `npm run db:migrate`: applies migrations/ to DATABASE_URL (Neon or any Postgres).
import { migrate } from "./lib/migrate.mjs";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set. Example: DATABASE_URL=postgres://user:pass@host/db npm run db:migrate");
  process.exit(2);
}
try {
  const applied = await migrate(url, { log: (m) => console.log(m) });
  console.log(applied.length ? `${applied.length} migration(s) applied` : "database is up to date");
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
