// Issue 12 items 4, 6, 9 and 14 through the real app, KV, Durable Objects and
// Postgres: KV revocation retried after the commit (a KV that fails once),
// per-IP limits on the link endpoints and health, one lockout key per email,
// and two forgot requests at the same instant leaving one valid link.
import { describe, expect, it } from "vitest";
import { kvRevocationStore, type RevocationStore } from "../../src/revocation";
import { query, testBindings } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson } from "../helpers/http";
import { mailbox, type Mailbox } from "../helpers/mailbox";

const NEW_PASSWORD = "Fresh-Start-2026!";

/** The real KV store, whose session and revoked-before writes fail the first time each. */
function kvFailingOnce(): RevocationStore & { failures: number } {
  const real = kvRevocationStore(testBindings.TOKEN_BLACKLIST);
  const failed = new Set<string>();
  const store = {
    ...real,
    failures: 0,
    async revokeSessions(sids: readonly string[], ttl: number) {
      if (!failed.has("s")) {
        failed.add("s");
        store.failures += 1;
        throw new Error("kv write failed");
      }
      return real.revokeSessions(sids, ttl);
    },
    async revokeUserBefore(sub: string, at: number, ttl: number) {
      if (!failed.has("u")) {
        failed.add("u");
        store.failures += 1;
        throw new Error("kv write failed");
      }
      return real.revokeUserBefore(sub, at, ttl);
    },
  };
  return store;
}

function tokensFor(mail: Mailbox, to: string, kind: string): string[] {
  return mail.messages
    .filter((m) => m.to === to && m.kind === kind && m.link)
    .map((m) => {
      const u = new URL(m.link as string);
      return new URLSearchParams(u.hash.slice(1)).get("token") ?? u.searchParams.get("token") ?? "";
    });
}

describe("KV revocation after the database commit", () => {
  it("deleting a session still revokes its access tokens when KV fails once", async () => {
    const kv = kvFailingOnce();
    const gw = await testGateway({}, { revocations: kv });
    const s = await newUser(gw, "kvonce");
    const other = await loginBearer(gw, s.email);
    const sid = JSON.parse(atob(other.access.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))).sid as string;
    const res = await gw.fetch(`/auth/sessions/${sid}`, { method: "DELETE", headers: bearer(s.access) });
    expect(res.status).toBe(204);
    await gw.settle();
    expect(kv.failures).toBeGreaterThanOrEqual(1);
    const after = await gw.fetch("/api/anything", { headers: bearer(other.access) });
    expect(after.status).toBe(401);
    expect((await after.json<{ code: string }>()).code).toBe("token_revoked");
  });

  it("a password reset still refuses the old access tokens when KV fails once", async () => {
    const kv = kvFailingOnce();
    const mail = mailbox();
    const gw = await testGateway({}, { revocations: kv, mailer: mail });
    const s = await newUser(gw, "kvreset");
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const token = tokensFor(mail, s.email, "password_reset").at(-1) as string;
    expect((await postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD })).status).toBe(204);
    await gw.settle();
    expect(kv.failures).toBe(2);
    expect((await gw.fetch("/api/anything", { headers: bearer(s.access) })).status).toBe(401);
  });
});

describe("per-IP limits on endpoints that open a database connection", () => {
  it("limits password reset and email verification together, and health", async () => {
    const gw = await testGateway({ RATE_LIMIT_LINK_IP: "2/1h", RATE_LIMIT_HEALTH_IP: "2/1m" });
    const ip = { "cf-connecting-ip": "198.51.100.23" };
    const fake = "A".repeat(43);
    expect((await postJson(gw, "/auth/email/verify", { token: fake }, ip)).status).toBe(400);
    expect((await postJson(gw, "/auth/password/reset", { token: fake, password: NEW_PASSWORD }, ip)).status).toBe(400);
    const third = await postJson(gw, "/auth/email/verify", { token: fake }, ip);
    expect(third.status).toBe(429);
    expect((await third.json<{ code: string }>()).code).toBe("rate_limited");
    const health = () => gw.fetch("/auth/health", { headers: ip });
    expect((await health()).status).toBe(200);
    expect((await health()).status).toBe(200);
    expect((await health()).status).toBe(429);
  });
});

describe("one lockout key per email", () => {
  it("a reset unlocks a legacy mixed-case row locked by logins", async () => {
    const mail = mailbox();
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" }, { mailer: mail });
    const s = await newUser(gw, "mixed");
    const stored = s.email.replace(/^m/, "M").replace("@example.com", "@Example.com");
    await query(gw.databaseUrl, "UPDATE users SET email = $1 WHERE lower(email) = $2", [stored, s.email]);
    for (let i = 0; i < 10; i++) {
      expect((await postJson(gw, "/auth/login", { email: s.email, password: "Wrong-Pass-123", transport: "bearer" })).status).toBe(401);
    }
    expect((await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" })).status).toBe(429);
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const token = tokensFor(mail, stored, "password_reset").at(-1) as string;
    expect((await postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD })).status).toBe(204);
    expect((await postJson(gw, "/auth/login", { email: s.email, password: NEW_PASSWORD, transport: "bearer" })).status).toBe(200);
  });
});

describe("forgot-password links", () => {
  it("two requests at the same instant leave exactly one valid link, the newer", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "twice");
    await Promise.all([postJson(gw, "/auth/password/forgot", { email: s.email }), postJson(gw, "/auth/password/forgot", { email: s.email })]);
    await gw.settle();
    const tokens = tokensFor(mail, s.email, "password_reset");
    expect(tokens).toHaveLength(2);
    const results = await Promise.all(tokens.map((token) => postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD })));
    expect(results.map((r) => r.status).sort()).toEqual([204, 400]);
  });
});
