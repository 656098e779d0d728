// Revocation racing a rotation (issue 12, item 1), reuse after expiry (item 7)
// and the refresh budget (item 6), against the real Postgres, KV and Durable
// Objects. The race is made deterministic with a rotation held open in a
// second connection: it has spent the parent and inserted the successor but
// not committed when the revocation arrives.
import { Client } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { testGateway, type TestGateway } from "../helpers/gateway";
import { bearer, newUser, postJson } from "../helpers/http";

const gw = await testGateway({ RATE_LIMIT_REFRESH: "1000/1h" });

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Starts a rotation of `refresh` in a second connection and leaves it
 * uncommitted: the parent is spent and locked, the successor inserted.
 * Returns the successor's raw token and a commit function.
 */
async function holdRotation(g: TestGateway, refresh: string): Promise<{ successor: string; commit(): Promise<void> }> {
  const client = new Client(g.databaseUrl);
  client.on("error", () => {});
  await client.connect();
  await client.query("BEGIN");
  const parent = await client.query<{ id: string }>(
    "UPDATE auth_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING id",
    [await sha256Hex(refresh)],
  );
  expect(parent.rowCount).toBe(1);
  const successor = b64url(crypto.getRandomValues(new Uint8Array(32)));
  await client.query(
    `INSERT INTO auth_tokens (token_type, token_hash, user_id, session_id, session_started_at, parent_id, expires_at)
     SELECT 'refresh', $1, user_id, session_id, session_started_at, id, now() + interval '1 day' FROM auth_tokens WHERE id = $2`,
    [await sha256Hex(successor), parent.rows[0]?.id],
  );
  return {
    successor,
    async commit() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

/** Resolves once a statement on this database waits for a row lock (the revocation met the held rotation). */
async function blockedOnLock(g: TestGateway): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const rows = await query<{ n: string }>(
      g.databaseUrl,
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the revocation never waited for the rotation's row lock");
}

async function liveTokens(g: TestGateway, email: string): Promise<number> {
  const rows = await query<{ n: string }>(
    g.databaseUrl,
    `SELECT count(*) AS n FROM auth_tokens t JOIN users u ON u.id = t.user_id
     WHERE u.email = $1 AND t.token_type = 'refresh' AND NOT t.is_revoked AND t.used_at IS NULL`,
    [email],
  );
  return Number(rows[0]?.n);
}

describe("a revocation that meets a rotation in flight", () => {
  const cases: Array<[string, (s: Awaited<ReturnType<typeof newUser>>) => Promise<Response>]> = [
    ["logout", (s) => gw.fetch("/auth/logout", { method: "POST", headers: bearer(s.access) })],
    ["logout-all", (s) => gw.fetch("/auth/logout-all", { method: "POST", headers: bearer(s.access) })],
    ["a reuse of a spent token", async (s) => postJson(gw, "/auth/refresh", { refresh_token: s.refresh })],
  ];
  for (const [name, revoke] of cases) {
    it(`${name} also revokes the successor the rotation commits`, async () => {
      const s = await newUser(gw, "race");
      const revokeWith = s;
      if (name === "a reuse of a spent token") {
        // The thief's token was rotated long ago (outside the grace window); the owner's rotation is in flight.
        const rotated = await (await postJson(gw, "/auth/refresh", { refresh_token: s.refresh })).json<{ refresh_token: string }>();
        await query(gw.databaseUrl, "UPDATE auth_tokens SET used_at = now() - interval '1 hour' WHERE token_hash = $1", [await sha256Hex(s.refresh)]);
        const held = await holdRotation(gw, rotated.refresh_token);
        const pending = revoke(revokeWith);
        await blockedOnLock(gw);
        await held.commit();
        expect((await pending).status).toBe(401);
        expect((await postJson(gw, "/auth/refresh", { refresh_token: held.successor })).status).toBe(401);
        expect(await liveTokens(gw, s.email)).toBe(0);
        return;
      }
      const held = await holdRotation(gw, s.refresh);
      const pending = revoke(revokeWith);
      // Commit only once the revocation waits on the row the rotation holds.
      await blockedOnLock(gw);
      await held.commit();
      expect((await pending).status).toBe(204);
      const after = await postJson(gw, "/auth/refresh", { refresh_token: held.successor });
      expect(after.status).toBe(401);
      expect(await liveTokens(gw, s.email)).toBe(0);
    });
  }

  it("leaves no live token when refreshes and a logout-all fire at once", async () => {
    const s = await newUser(gw, "storm");
    const all = await Promise.all([
      ...Array.from({ length: 6 }, () => postJson(gw, "/auth/refresh", { refresh_token: s.refresh })),
      gw.fetch("/auth/logout-all", { method: "POST", headers: bearer(s.access) }),
    ]);
    expect(all.at(-1)?.status).toBe(204);
    await gw.settle();
    expect(await liveTokens(gw, s.email)).toBe(0);
  });
});

describe("reuse after expiry", () => {
  it("a spent token presented after its own expiry is reuse: the family is revoked", async () => {
    let now = Date.now();
    const clocked = await testGateway({}, { now: () => now }, { databaseUrl: gw.databaseUrl });
    const s = await newUser(clocked, "late");
    const next = await (await postJson(clocked, "/auth/refresh", { refresh_token: s.refresh })).json<{ refresh_token: string }>();
    now += 8 * 24 * 3600 * 1000; // past the spent token's 7-day expiry
    const res = await postJson(clocked, "/auth/refresh", { refresh_token: s.refresh });
    expect(res.status).toBe(401);
    expect((await res.json<{ code: string }>()).code).toBe("token_reused");
    const row = await query<{ is_revoked: boolean }>(gw.databaseUrl, "SELECT is_revoked FROM auth_tokens WHERE token_hash = $1", [
      await sha256Hex(next.refresh_token),
    ]);
    expect(row[0]?.is_revoked).toBe(true);
  });
});

describe("the refresh budget", () => {
  it("is charged only for a token that would rotate: stale and made-up tokens cannot spend the victim's", async () => {
    const g = await testGateway({ RATE_LIMIT_REFRESH: "3/1h" }, {}, { databaseUrl: gw.databaseUrl });
    const victim = await newUser(g, "budget");
    // The victim's own earlier session, logged out: its token is known but revoked.
    const old = await postJson(g, "/auth/login", { email: victim.email, password: "Correct-Horse-42", transport: "bearer" });
    const oldRefresh = (await old.json<{ refresh_token: string; access_token: string }>()).refresh_token;
    await g.fetch("/auth/logout", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refresh_token: oldRefresh }) });
    const fakes = Array.from({ length: 5 }, () => b64url(crypto.getRandomValues(new Uint8Array(32))));
    const attempts = await Promise.all([
      ...Array.from({ length: 10 }, () => postJson(g, "/auth/refresh", { refresh_token: oldRefresh })),
      ...fakes.map((t) => postJson(g, "/auth/refresh", { refresh_token: t })),
    ]);
    for (const a of attempts) expect(a.status).toBe(401);
    expect((await postJson(g, "/auth/refresh", { refresh_token: victim.refresh })).status).toBe(200);
  });

  it("limits refreshes per IP as well", async () => {
    const g = await testGateway({ RATE_LIMIT_REFRESH_IP: "2/1h" }, {}, { databaseUrl: gw.databaseUrl });
    const ip = { "cf-connecting-ip": "198.51.100.77" };
    const fake = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
    expect((await postJson(g, "/auth/refresh", { refresh_token: fake() }, ip)).status).toBe(401);
    expect((await postJson(g, "/auth/refresh", { refresh_token: fake() }, ip)).status).toBe(401);
    const third = await postJson(g, "/auth/refresh", { refresh_token: fake() }, ip);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).not.toBeNull();
  });
});
