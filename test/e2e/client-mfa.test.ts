// The browser client's MFA step against the real stack in headless Chromium:
// TOTP enrolment through client.fetch, sign-in answered 401 mfa_required, the
// code step (a wrong code is a typed invalid_code, a recovery code signs in).
import { createHmac } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { clientTestFiles } from "./helpers/client-build";
import { startFrontServer, type FrontServer } from "./helpers/front-server";
import { startStack, type Stack } from "./helpers/stack";

const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"];

let stack: Stack;
let front: FrontServer | undefined;
let browser: Browser | undefined;
let page: Page;
let cleanupBuild: (() => void) | undefined;
let site: string;
const email = uniqueEmail("clientmfa");
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

/** Runs `fn` in the page with the client as `auth`. */
function inPage<T, A>(fn: (a: A) => Promise<T>, arg: A): Promise<T> {
  return page.evaluate(fn as never, arg) as Promise<T>;
}

beforeAll(async () => {
  const built = clientTestFiles("window.auth = authLib.createAuthClient();");
  cleanupBuild = built.cleanup;
  const files = built.files;
  stack = await startStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "clientmfa",
    upstreamUrl: async (fastapiUrl) => {
      front = await startFrontServer(fastapiUrl, files);
      return front.url;
    },
    env: { PUBLIC_PATHS: "/health,/public/**" },
  });
  site = stack.gatewayUrl;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  await context.setExtraHTTPHeaders({ "cf-connecting-ip": ipAllocator()(23) });
  page = await context.newPage();
  await page.goto(`${site}/public/client-test.html`);
  await page.waitForFunction(() => document.title === "client ready");
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  try {
    await stack?.stop();
  } finally {
    await front?.close();
    cleanupBuild?.();
  }
});

describe("the browser client's MFA step, against the real endpoints", () => {
  let recoveryCodes: string[] = [];

  it("enrols TOTP for a signed-in user", async () => {
    const setup = await inPage(
      async ({ email, password }) => {
        const auth = (window as unknown as { auth: any }).auth;
        await auth.register(email, password);
        const r = await auth.signIn(email, password);
        const res: Response = await auth.fetch("/auth/mfa/totp/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password }) });
        return { signed: r.status, status: res.status, body: await res.json() };
      },
      { email, password },
    );
    expect(setup.signed).toBe("signed_in");
    expect(setup.status).toBe(200);
    const code = totp(setup.body.secret as string);
    const confirm = await inPage(
      async ({ code }) => {
        const auth = (window as unknown as { auth: any }).auth;
        const res: Response = await auth.fetch("/auth/mfa/totp/confirm", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
        return { status: res.status, body: await res.json() };
      },
      { code },
    );
    expect(confirm.status).toBe(200);
    recoveryCodes = confirm.body.recovery_codes as string[];
    expect(recoveryCodes).toHaveLength(10);
  });

  it("signs in through the MFA step: mfa_required, invalid_code typed, a recovery code completes it", async () => {
    const out = await inPage(
      async ({ email, password, recovery }) => {
        const auth = (window as unknown as { auth: any }).auth;
        await auth.signOut();
        const first = await auth.signIn(email, password);
        let wrong = "";
        try {
          await auth.completeMfa(first.challenge, { code: "000000" });
        } catch (err) {
          wrong = `${(err as { name: string }).name}:${(err as { code: string }).code}`;
        }
        const user = await auth.completeMfa(first.challenge, { recovery_code: recovery });
        const me = await auth.me();
        return { status: first.status, methods: first.challenge.methods, wrong, user: user.email, me: me.email };
      },
      { email, password, recovery: recoveryCodes[0] as string },
    );
    expect(out).toEqual({ status: "mfa_required", methods: ["totp", "recovery_code"], wrong: "AuthError:invalid_code", user: email, me: email });
  });

});
