// Postgres stalled or cut mid-request, through a bridge the test controls:
// every endpoint that needs the database answers 503, issues no token,
// changes no counter and leaves no half-written row; proxied traffic with a
// valid token keeps flowing. And a rotation that dies half-way loses nothing.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson, uniqueEmail } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";

const bindings = env as unknown as { TEST_FAULT_PROXY: string; TEST_FAULT_CONTROL: string };
const fault = (action: "pause" | "resume" | "drop") => fetch(`${bindings.TEST_FAULT_CONTROL}/${action}`, { method: "POST" });

const mail = mailbox();
// The healthy gateway sets up users; the faulty one reaches the same database through the fault bridge.
const healthy = await testGateway({}, { mailer: mail });
const faulty = await testGateway(
  { DATABASE_WS_PROXY: bindings.TEST_FAULT_PROXY, DATABASE_TIMEOUT_MS: "700" },
  { mailer: mail },
  { databaseUrl: healthy.databaseUrl },
);

async function counts() {
  const [u] = await query<{ users: string; tokens: string; failed: string }>(
    healthy.databaseUrl,
    "SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM auth_tokens) AS tokens, (SELECT COALESCE(SUM(failed_login_attempts), 0) FROM users) AS failed",
  );
  return u;
}

afterEach(async () => {
  await fault("resume");
});

describe("Postgres stalled mid-request", () => {
  it("login, register, refresh and reset answer 503 and change nothing", async () => {
    const s = await newUser(healthy, "stall");
    await postJson(healthy, "/auth/password/forgot", { email: s.email });
    await healthy.settle();
    const resetToken = mail.tokenFor(s.email, "password_reset");
    const before = await counts();

    await fault("pause");
    const responses = await Promise.all([
      postJson(faulty, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" }),
      postJson(faulty, "/auth/register", { email: uniqueEmail("stalled"), password: GOOD_PASSWORD }),
      postJson(faulty, "/auth/refresh", { refresh_token: s.refresh }),
      postJson(faulty, "/auth/password/reset", { token: resetToken, password: "Brand-New-Pass-8" }),
    ]);
    for (const res of responses) {
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).code).toBe("service_unavailable");
      expect(text).not.toMatch(/select|insert|update|127\.0\.0\.1|postgres|stack/i);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    await fault("resume");
    await faulty.settle();
    await new Promise((r) => setTimeout(r, 300));
    expect(await counts()).toEqual(before);

    // Nothing was spent: the refresh and reset tokens still work, on the healthy path.
    expect((await postJson(healthy, "/auth/refresh", { refresh_token: s.refresh })).status).toBe(200);
    expect((await postJson(healthy, "/auth/password/reset", { token: resetToken, password: "Brand-New-Pass-8" })).status).toBe(204);
  });

  it("keeps proxying requests with a valid access token while Postgres is stalled", async () => {
    const s = await newUser(healthy, "flow");
    await fault("pause");
    const res = await faulty.fetch("/api/keeps-flowing", { headers: bearer(s.access) });
    expect(res.status).toBe(200);
    const health = await faulty.fetch("/auth/health");
    expect(health.status).toBe(503);
    expect((await health.json<{ checks: Record<string, string> }>()).checks.database).toBe("failing");
  });

  it("answers 503 when the connection is cut mid-request", async () => {
    const s = await newUser(healthy, "cut");
    const before = await counts();
    await fault("pause");
    const pending = postJson(faulty, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" });
    await new Promise((r) => setTimeout(r, 100));
    await fault("drop");
    await fault("resume");
    const res = await pending;
    expect(res.status).toBe(503);
    await faulty.settle();
    expect(await counts()).toEqual(before);
  });
});

describe("a rotation that dies half-way", () => {
  it("rolls back: the old refresh token still works and no orphan successor exists", async () => {
    const s = await newUser(healthy, "crash");
    // Make spending the token fail after its successor was inserted, inside the transaction.
    await query(
      healthy.databaseUrl,
      `CREATE OR REPLACE FUNCTION fail_spend() RETURNS trigger AS $$
       BEGIN IF NEW.used_at IS NOT NULL AND OLD.used_at IS NULL THEN RAISE EXCEPTION 'injected crash'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await query(healthy.databaseUrl, "CREATE TRIGGER fail_spend BEFORE UPDATE ON auth_tokens FOR EACH ROW EXECUTE FUNCTION fail_spend()");
    const before = await counts();
    const crashed = await postJson(healthy, "/auth/refresh", { refresh_token: s.refresh });
    expect(crashed.status).toBe(503);
    expect(await counts()).toEqual(before);
    await query(healthy.databaseUrl, "DROP TRIGGER fail_spend ON auth_tokens");
    const retried = await postJson(healthy, "/auth/refresh", { refresh_token: s.refresh });
    expect(retried.status).toBe(200);
    await expect(loginBearer(healthy, s.email)).resolves.toBeDefined();
  });
});
