// The browser client's passkey helpers against the real stack in headless
// Chromium: a passkey registered (options → navigator.credentials.create →
// verify) and used to sign in (options → navigator.credentials.get → verify)
// through a virtual authenticator, listed and removed; FastAPI sees the
// passkey session's amr. The page is served through the gateway on localhost
// (WebAuthn refuses IP addresses as relying-party ids).
import type { Page } from "playwright-core";
import type { AuthClient } from "../../client/src";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { startClientStack, type ClientStack } from "./helpers/client-stack";

let client: ClientStack | undefined;
let page: Page;
const email = uniqueEmail("clientpk");
const password = strongPassword();

/** The page's client (window.auth, set by the test page). */
type PageWindow = Window & { auth: AuthClient };

/** Runs `fn` in the page with the client as `auth`. */
function inPage<T, A>(fn: (a: A) => Promise<T>, arg: A): Promise<T> {
  return page.evaluate(fn as never, arg) as Promise<T>;
}

beforeAll(async () => {
  const started = await startClientStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "clientpk",
    script: "window.auth = authLib.createAuthClient();",
    ip: ipAllocator()(23),
    publicHost: "localhost",
  });
  client = started;
  page = await started.openPage(async (blank) => {
    const cdp = await started.context.newCDPSession(blank);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });
});

afterAll(() => client?.close());

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
