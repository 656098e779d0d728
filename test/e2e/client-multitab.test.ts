// The browser client (client/) in headless Chromium through the real stack
// (`npm run dev` with ACCESS_TOKEN_TTL=3, FastAPI behind it): after the access
// token expires, two tabs fire a dozen concurrent requests; exactly one
// /auth/refresh reaches the gateway (counted from Chromium's own network
// events and from the gateway's log), none is token_reused, every request
// succeeds. Once with Web Locks, once with the BroadcastChannel fallback.
import type { BrowserContext, Page, Request as PwRequest } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { startClientStack, type ClientStack } from "./helpers/client-stack";
import type { Stack } from "./helpers/stack";

const TTL_SECONDS = 3;

let client: ClientStack | undefined;
let stack: Stack;
let context: BrowserContext;
let tabs: Page[] = [];
const refreshes: { status: number | undefined; body: string }[] = [];
const traffic: string[] = [];
const email = uniqueEmail("client");
const password = strongPassword();

const refreshLines = () => stack.gateway.log.lines.filter((l) => l.includes('"event":"auth.refresh"')).length;
const reuseLines = () => stack.gateway.log.lines.filter((l) => l.includes("refresh_reuse_detected")).length;

beforeAll(async () => {
  client = await startClientStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "client",
    script: "window.authLib = authLib;",
    ip: ipAllocator()(11),
    env: { ACCESS_TOKEN_TTL: String(TTL_SECONDS) },
  });
  ({ stack, context } = client);
  context.on("response", (res) => {
    const line = `${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`;
    traffic.push(line);
    if (line.startsWith("POST /auth/refresh ")) {
      const entry = { status: res.status() as number | undefined, body: "" };
      refreshes.push(entry);
      void res.text().then((t) => (entry.body = t), () => undefined);
    }
  });
  context.on("requestfailed", (req: PwRequest) => {
    if (new URL(req.url()).pathname === "/auth/refresh") refreshes.push({ status: undefined, body: "failed" });
  });
  for (let i = 0; i < 2; i++) tabs.push(await client.openPage());
});

afterAll(() => client?.close());

/** In one tab: a client with the given coordination, then `n` concurrent client.fetch calls. */
function burst(tab: Page, coordination: "auto" | "broadcast", n: number): Promise<{ mode: string; results: { status: number; email?: string }[] }> {
  return tab.evaluate(
    async ({ coordination, n }) => {
      const w = window as unknown as { authLib: any; clients?: Record<string, any> };
      w.clients ??= {};
      const client = (w.clients[coordination] ??= w.authLib.createAuthClient({ coordination }));
      const results = await Promise.all(
        Array.from({ length: n }, async () => {
          const res: Response = await client.fetch("/api/me", { headers: { accept: "application/json" } });
          const body = res.headers.get("content-type")?.includes("json") ? await res.json() : {};
          return { status: res.status, email: body.email ?? body.code };
        }),
      );
      return { mode: client.coordination as string, results };
    },
    { coordination, n },
  );
}

async function expectOneSharedRefresh(coordination: "auto" | "broadcast", expectedMode: string): Promise<void> {
  // Let the access token and its cookie (Max-Age = ACCESS_TOKEN_TTL) expire.
  await new Promise((r) => setTimeout(r, (TTL_SECONDS + 1.5) * 1000));
  const before = { seen: refreshes.length, logged: refreshLines(), reused: reuseLines() };
  const [a, b] = await Promise.all([burst(tabs[0] as Page, coordination, 6), burst(tabs[1] as Page, coordination, 6)]);
  // Chromium reports network events asynchronously: let them land.
  await new Promise((r) => setTimeout(r, 500));
  expect(a.mode).toBe(expectedMode);
  const all = [...a.results, ...b.results];
  expect(all).toHaveLength(12);
  expect(all.filter((r) => r.status !== 200), JSON.stringify(all)).toEqual([]);
  for (const r of all) expect(r.email).toBe(email);
  const mine = refreshes.slice(before.seen);
  expect(mine, `${JSON.stringify(mine)} ${refreshLines()} ${traffic.slice(-30).join(", ")}`).toHaveLength(1);
  expect(mine[0]?.status).toBe(200);
  expect(mine.some((r) => r.body.includes("token_reused"))).toBe(false);
  expect(refreshLines() - before.logged).toBe(1);
  expect(reuseLines() - before.reused).toBe(0);
}

describe("the browser client across two tabs", () => {
  it("signs in with the cookie transport; wrong passwords are typed errors", async () => {
    const out = await tabs[0]!.evaluate(
      async ({ email, password }) => {
        const w = window as unknown as { authLib: any };
        const client = w.authLib.createAuthClient();
        await client.register(email, password, "Client Tab");
        let wrong = "";
        try {
          await client.signIn(email, `${password}x`);
        } catch (err) {
          wrong = `${(err as { name: string }).name}:${(err as { code: string }).code}`;
        }
        const signed = await client.signIn(email, password);
        const me = await client.me();
        return { wrong, status: signed.status, meEmail: me.email, fullName: me.full_name, cookieVisible: document.cookie.includes("access") };
      },
      { email, password },
    );
    expect(out).toEqual({ wrong: "AuthError:invalid_credentials", status: "signed_in", meEmail: email, fullName: "Client Tab", cookieVisible: false });
    // The other tab shares the session (same cookie jar).
    const other = await burst(tabs[1] as Page, "auto", 1);
    expect(other.results).toEqual([{ status: 200, email }]);
  });

  it("after expiry, 12 concurrent requests in two tabs share exactly one refresh (Web Locks)", async () => {
    await expectOneSharedRefresh("auto", "web-locks");
  });

  it("and again with the BroadcastChannel fallback", async () => {
    await expectOneSharedRefresh("broadcast", "broadcast");
  });

  it("walks the MFA step and the passkey JSON round trip (scripted gateway answers, until those endpoints land)", async () => {
    const out = await tabs[0]!.evaluate(async () => {
      const w = window as unknown as { authLib: any };
      const calls: { url: string; body: unknown }[] = [];
      const answer = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" } });
      const user = { id: "7", email: "m@example.com", full_name: null, email_verified: true, account_status: "active", roles: ["user"], created_at: "2026-11-30T00:00:00Z", last_login: null };
      const fake = async (url: string, init: RequestInit) => {
        calls.push({ url, body: init.body ? JSON.parse(init.body as string) : undefined });
        if (url.endsWith("/auth/login")) return answer(401, { type: "about:blank", title: "MFA required", status: 401, code: "mfa_required", mfa_token: "mt-1", methods: ["totp", "recovery_code"] });
        if (url.endsWith("/auth/login/mfa")) {
          const b = JSON.parse(init.body as string);
          return b.code === "123456" ? answer(200, { user, expires_in: 900 }) : answer(401, { type: "about:blank", title: "Invalid code", status: 401, code: "invalid_code" });
        }
        return answer(404, { type: "about:blank", title: "Not found", status: 404, code: "not_found" });
      };
      const client = w.authLib.createAuthClient({ fetch: fake, name: "mfa-unit" });
      const first = await client.signIn("m@example.com", "pw");
      let wrong = "";
      try {
        await client.completeMfa(first.challenge, { code: "000000" });
      } catch (err) {
        wrong = (err as { code: string }).code;
      }
      const done = await client.completeMfa(first.challenge, { recovery_code: "abcd-efgh" }).catch((e: { code: string }) => e.code);
      const ok = await client.completeMfa(first.challenge, { code: "123456" });
      // Passkey glue: JSON options → WebAuthn buffers → JSON, byte for byte.
      const lib = w.authLib;
      const challenge = lib.bufferToBase64url(crypto.getRandomValues(new Uint8Array(32)));
      const opts = lib.creationOptions({ rp: { name: "x" }, user: { id: "dXNlcg", name: "u", displayName: "u" }, challenge, pubKeyCredParams: [{ type: "public-key", alg: -8 }], excludeCredentials: [{ id: "AQID", type: "public-key" }] });
      const back = lib.bufferToBase64url(opts.challenge) === challenge && lib.bufferToBase64url(opts.excludeCredentials[0].id) === "AQID" && new TextDecoder().decode(opts.user.id) === "user";
      return { first, wrong, done, ok: ok.email, sent: calls.map((c) => c.body), back };
    });
    expect(out.first).toEqual({ status: "mfa_required", challenge: { mfaToken: "mt-1", methods: ["totp", "recovery_code"] } });
    expect(out.wrong).toBe("invalid_code");
    expect(out.done).toBe("invalid_code");
    expect(out.ok).toBe("m@example.com");
    expect(out.sent).toEqual([
      { email: "m@example.com", password: "pw" },
      { mfa_token: "mt-1", code: "000000" },
      { mfa_token: "mt-1", recovery_code: "abcd-efgh" },
      { mfa_token: "mt-1", code: "123456" },
    ]);
    expect(out.back).toBe(true);
  });

  it("signs out: the next request is 401 and no refresh can revive the session", async () => {
    const out = await tabs[1]!.evaluate(async () => {
      const w = window as unknown as { authLib: any };
      const client = w.authLib.createAuthClient();
      await client.signOut();
      const res: Response = await client.fetch("/api/me");
      let me = "";
      try {
        await client.me();
      } catch (err) {
        me = (err as { code: string }).code;
      }
      return { status: res.status, me };
    });
    expect(out.status).toBe(401);
    expect(out.me).toBe("unauthorized");
  });
});
