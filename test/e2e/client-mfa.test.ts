// The browser client's MFA step against the real stack in headless Chromium:
// TOTP enrolment through client.fetch, sign-in answered 401 mfa_required, the
// code step (a wrong code is a typed invalid_code; a TOTP code and a recovery
// code each sign in, and FastAPI sees the session's amr).
import { createHmac } from "node:crypto";
import type { Page } from "playwright-core";
import type { AuthClient } from "../../client/src";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { startClientStack, type ClientStack } from "./helpers/client-stack";

let client: ClientStack | undefined;
let page: Page;
const email = uniqueEmail("clientmfa");
// Each test signs in from an address of its own: the login limit (5 per 15 min an IP) counts every step.
const ip = ipAllocator();
const password = strongPassword();

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
function totp(secret: string, atMs = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = (mac[mac.length - 1] as number) & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** A 6-digit code that no step near now accepts (one step of drift is allowed either side). */
function wrongCode(secret: string): string {
  const near = new Set([-2, -1, 0, 1, 2, 3].map((step) => totp(secret, Date.now() + step * 30_000)));
  let n = 123_456;
  while (near.has(String(n))) n += 1;
  return String(n);
}

/** The page's client (window.auth, set by the test page). */
type PageWindow = Window & { auth: AuthClient };

/** Later requests of the page come from `ip(n)`. */
function fromIp(n: number): Promise<void> {
  return page.setExtraHTTPHeaders({ "cf-connecting-ip": ip(n) });
}

/** Runs `fn` in the page with the client as `auth`. */
function inPage<T, A>(fn: (a: A) => Promise<T>, arg: A): Promise<T> {
  return page.evaluate(fn as never, arg) as Promise<T>;
}

beforeAll(async () => {
  client = await startClientStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "clientmfa",
    script: "window.auth = authLib.createAuthClient();",
    ip: ip(23),
  });
  page = await client.openPage();
});

afterAll(() => client?.close());

describe("the browser client's MFA step, against the real endpoints", () => {
  let recoveryCodes: string[] = [];
  let secret = "";

  it("enrols TOTP for a signed-in user", async () => {
    const setup = await inPage(
      async ({ email, password }) => {
        const auth = (window as unknown as PageWindow).auth;
        await auth.register(email, password);
        const r = await auth.signIn(email, password);
        const res: Response = await auth.fetch("/auth/mfa/totp/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password }) });
        return { signed: r.status, status: res.status, body: (await res.json()) as { secret: string } };
      },
      { email, password },
    );
    expect(setup.signed).toBe("signed_in");
    expect(setup.status).toBe(200);
    const code = totp(setup.body.secret);
    const confirm = await inPage(
      async ({ code }) => {
        const auth = (window as unknown as PageWindow).auth;
        const res: Response = await auth.fetch("/auth/mfa/totp/confirm", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
        return { status: res.status, body: (await res.json()) as { recovery_codes: string[] } };
      },
      { code },
    );
    expect(confirm.status).toBe(200);
    secret = setup.body.secret;
    recoveryCodes = confirm.body.recovery_codes;
    expect(recoveryCodes).toHaveLength(10);
  });

  it("signs in through the MFA step: mfa_required, invalid_code typed, a TOTP code completes it", async () => {
    await fromIp(24);
    const out = await inPage(
      async ({ email, password, wrong }) => {
        const auth = (window as unknown as PageWindow).auth;
        await auth.signOut();
        const first = await auth.signIn(email, password);
        if (first.status !== "mfa_required") return { status: first.status };
        let refused = "";
        try {
          await auth.completeMfa(first.challenge, { code: wrong });
        } catch (err) {
          refused = `${(err as { name: string }).name}:${(err as { code: string }).code}`;
        }
        return { status: first.status, methods: first.challenge.methods, mfaToken: first.challenge.mfaToken, refused };
      },
      { email, password, wrong: wrongCode(secret) },
    );
    expect(out).toEqual({ status: "mfa_required", methods: ["totp", "recovery_code"], mfaToken: expect.any(String), refused: "AuthError:invalid_code" });
    // The confirm spent this step's code: an app shows the next one (one step of drift is accepted).
    const signedIn = await inPage(
      async ({ mfaToken, code }) => {
        const auth = (window as unknown as PageWindow).auth;
        const user = await auth.completeMfa({ mfaToken, methods: ["totp"] }, { code });
        const app = (await (await auth.fetch("/api/me")).json()) as { email: string; amr: string[] };
        return { user: user.email, app };
      },
      { mfaToken: out.mfaToken as string, code: totp(secret, Date.now() + 30_000) },
    );
    expect(signedIn).toEqual({ user: email, app: expect.objectContaining({ email, amr: ["pwd", "otp", "mfa"] }) });
  });

  it("a recovery code completes the MFA step once", async () => {
    await fromIp(25);
    const out = await inPage(
      async ({ email, password, recovery }) => {
        const auth = (window as unknown as PageWindow).auth;
        await auth.signOut();
        const first = await auth.signIn(email, password);
        if (first.status !== "mfa_required") return { status: first.status };
        const user = await auth.completeMfa(first.challenge, { recovery_code: recovery });
        const me = await auth.me();
        await auth.signOut();
        const second = await auth.signIn(email, password);
        let reused = "";
        try {
          if (second.status === "mfa_required") await auth.completeMfa(second.challenge, { recovery_code: recovery });
        } catch (err) {
          reused = (err as { code: string }).code;
        }
        return { status: first.status, user: user.email, me: me.email, reused };
      },
      { email, password, recovery: recoveryCodes[0] as string },
    );
    expect(out).toEqual({ status: "mfa_required", user: email, me: email, reused: "invalid_code" });
  });
});
