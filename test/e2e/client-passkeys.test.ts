// The browser client's passkey helpers against the real stack in headless
// Chromium: a passkey registered (options → navigator.credentials.create →
// verify) and used to sign in (options → navigator.credentials.get → verify)
// through a virtual authenticator, listed and removed; FastAPI sees the
// passkey session's amr. The page is served through the gateway on localhost
// (WebAuthn refuses IP addresses as relying-party ids).
import { chromium, type Browser, type Page } from "playwright-core";
import type { AuthClient } from "../../client/src";
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
const email = uniqueEmail("clientpk");
const password = strongPassword();

/** The page's client (window.auth, set by the test page). */
type PageWindow = Window & { auth: AuthClient };

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
    name: "clientpk",
    publicHost: "localhost",
    upstreamUrl: async (fastapiUrl) => {
      front = await startFrontServer(fastapiUrl, files);
      return front.url;
    },
    env: { PUBLIC_PATHS: "/health,/public/**" },
  });
  site = `http://localhost:${stack.gatewayPort}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  await context.setExtraHTTPHeaders({ "cf-connecting-ip": ipAllocator()(23) });
  page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
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

describe("the browser client's passkeys, against the real endpoints", () => {
  it("registers a passkey, signs in with it, lists and removes it", async () => {
    const out = await inPage(async ({ email, password }) => {
      const auth = (window as unknown as PageWindow).auth;
      await auth.register(email, password);
      await auth.signIn(email, password);
      const added = await auth.passkeys.register("Laptop");
      const listed = await auth.passkeys.list();
      await auth.signOut();
      let anonymous = "";
      try {
        await auth.me();
      } catch (err) {
        anonymous = (err as { code: string }).code;
      }
      const user = await auth.passkeys.signIn();
      const me = await auth.me();
      const app = (await (await auth.fetch("/api/me")).json()) as { email: string; amr: string[] };
      await auth.passkeys.remove(added.id);
      const after = await auth.passkeys.list();
      return { name: added.name, listed: listed.map((p) => p.id === added.id), anonymous, user: user.email, me: me.email, app: { email: app.email, amr: app.amr }, after: after.length };
    }, { email, password });
    expect(out).toEqual({ name: "Laptop", listed: [true], anonymous: "unauthorized", user: email, me: email, app: { email, amr: ["hwk", "mfa"] }, after: 0 });
  });
});
