// The crons are named in three places that cannot import one another: wrangler.toml
// `[triggers] crons` (what Cloudflare runs), src/scheduled.ts (which cron runs the cleanup, which
// the outbox drain) and scripts/lib/outbox-ticker.mjs (what `npm run dev` calls). A cron renamed in
// one only would silently stop the hourly cleanup or the drain; this holds them together.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OUTBOX_CRON as TICKER_CRON } from "../../scripts/lib/outbox-ticker.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const scheduled = readFileSync(path.join(ROOT, "src/scheduled.ts"), "utf8");

const constant = (name: string) => new RegExp(`export const ${name} = "([^"]+)";`).exec(scheduled)?.[1];

describe("cron triggers", () => {
  it("wrangler.toml runs only the hourly cron; the dev ticker's drain-only name is another", () => {
    const line = /^crons = (\[.*\])$/m.exec(toml)?.[1];
    const crons = JSON.parse(line ?? "[]") as string[];
    const cleanup = constant("CLEANUP_CRON");
    const outbox = constant("OUTBOX_CRON");
    expect(cleanup).toBe("17 * * * *");
    // One wake-up an hour in production (a scale-to-zero database must be able to sleep).
    expect(crons).toEqual([cleanup]);
    // The ticker (every 5 s under npm run dev) must never run the cleanup.
    expect(TICKER_CRON).toBe(outbox);
    expect(outbox).not.toBe(cleanup);
  });
});
