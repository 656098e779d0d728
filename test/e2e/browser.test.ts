// Headless Chromium against the real stack: a page served through the gateway
// (public path), cookie-transport login, a protected FastAPI route with the
// HttpOnly cookies, CSRF from another origin, logout, and the reset-by-link
// walk through the gateway's own reset page with the link from the mail webhook.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { startFrontServer, startOtherOrigin, type FrontServer } from "./helpers/front-server";
import { startMailReceiver, type MailReceiver } from "./helpers/mail-receiver";
import { ROOT, startStack, type Stack } from "./helpers/stack";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let stack: Stack;
let mail: MailReceiver;
let front: FrontServer | undefined;
let other: { url: string; close(): Promise<void> } | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
const clientIp = ipAllocator()(7);
const email = uniqueEmail("browser");
const firstPassword = strongPassword();
const newPassword = strongPassword();

interface FetchResult {
  status: number;
  body: any;
  contentType: string | null;
}

/** fetch() inside the page (same origin as the gateway), cookies included. */
function pageFetch(p: Page, method: string, url: string, json?: unknown): Promise<FetchResult> {
  return p.evaluate(
    async ({ method, url, json }) => {
      const res = await fetch(url, {
        method,
        credentials: "include",
        headers: json === undefined ? { accept: "application/json" } : { "content-type": "application/json", accept: "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: res.status, body, contentType: res.headers.get("content-type") };
    },
    { method, url, json },
  );
}

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(ARTIFACTS, `browser-${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  mail = await startMailReceiver();
  stack = await startStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "browser",
    upstreamUrl: async (fastapiUrl) => {
      front = await startFrontServer(fastapiUrl);
      return front.url;
    },
    env: {
      PUBLIC_PATHS: "/health,/webhooks/twilio/**,/public/**",
      MAIL_TRANSPORT: "webhook",
      MAIL_WEBHOOK_URL: mail.url,
      MAIL_WEBHOOK_SECRET: mail.secret,
    },
  });
  other = await startOtherOrigin();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext();
  // One client address for this run (development honours CF-Connecting-IP): the default
  // rate limits apply, without sharing counters with other runs or other users of .data/.
  await context.setExtraHTTPHeaders({ "cf-connecting-ip": clientIp });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await other?.close();
  try {
    await stack?.stop();
  } finally {
    await front?.close();
    await mail?.close();
  }
});

describe("a browser session through the gateway", () => {
  it("loads a page served through the gateway (public path)", async () => {
    const res = await page.goto(`${stack.gatewayUrl}/public/app.html`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["x-request-id"]).toBeTruthy();
    await expect(page.title()).resolves.toBe("TDAH assistant (e2e)");
    expect(await page.textContent("#title")).toBe("TDAH assistant");
    const served = front?.seen.filter((r) => r.url === "/public/app.html") ?? [];
    expect(served.length).toBe(1);
    expect(served[0]?.headers["x-user-id"]).toBeUndefined();
    expect(served[0]?.headers["x-forwarded-host"]).toBe(`127.0.0.1:${stack.gatewayPort}`);
    await shot(page, "01-app");
  });

  it("registers, logs in with HttpOnly cookies and calls a protected FastAPI route", async () => {
    const reg = await pageFetch(page, "POST", "/auth/register", { email, password: firstPassword, full_name: "Browser User" });
    expect(reg.status).toBe(202);
    expect(reg.body).toEqual({ status: "accepted" });

    const login = await pageFetch(page, "POST", "/auth/login", { email, password: firstPassword });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.user.email).toBe(email);
    expect(login.body.user.full_name).toBe("Browser User");
    expect(login.body.access_token).toBeUndefined();
    expect(login.body.refresh_token).toBeUndefined();

    const cookies = await context.cookies(stack.gatewayUrl);
    const access = cookies.find((c) => c.name === "access");
    const refreshCookies = await context.cookies(`${stack.gatewayUrl}/auth/refresh`);
    const refresh = refreshCookies.find((c) => c.name === "refresh");
    expect(access).toMatchObject({ httpOnly: true, secure: false, sameSite: "Lax", path: "/" });
    expect(refresh).toMatchObject({ httpOnly: true, secure: false, sameSite: "Strict", path: "/auth" });
    expect(access?.value.split(".")).toHaveLength(3);

    // The tokens are invisible to page scripts.
    const jsCookies = await page.evaluate(() => document.cookie);
    expect(jsCookies).not.toContain("access=");
    expect(jsCookies).not.toContain("refresh=");
    expect(jsCookies).not.toContain(access?.value as string);

    const me = await pageFetch(page, "GET", "/api/me");
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toMatchObject({ id: login.body.user.id, email, roles: ["user"] });

    // The gateway's cookies never reach the upstream, even on public paths.
    await page.reload();
    const apiSeen = front?.seen.filter((r) => r.url === "/api/me") ?? [];
    const pageSeen = front?.seen.filter((r) => r.url === "/public/app.html") ?? [];
    for (const r of [...apiSeen, ...pageSeen]) {
      expect(String(r.headers.cookie ?? "")).not.toContain(access?.value as string);
      expect(String(r.headers.cookie ?? "")).not.toContain(refresh?.value as string);
    }
    expect(apiSeen.at(-1)?.headers["x-user-id"]).toBe(login.body.user.id);
    expect(pageSeen.at(-1)?.headers["x-user-id"]).toBeUndefined();

    // A refresh with the cookie rotates both cookies.
    const refreshed = await pageFetch(page, "POST", "/auth/refresh");
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.id).toBe(login.body.user.id);
    const after = await context.cookies(`${stack.gatewayUrl}/auth/refresh`);
    expect(after.find((c) => c.name === "refresh")?.value).not.toBe(refresh?.value);
    expect(after.find((c) => c.name === "access")?.value).not.toBe(access?.value);
    await page.evaluate((text) => {
      (document.getElementById("who") as HTMLElement).textContent = text;
    }, `signed in as ${me.body.email} (user ${me.body.id}), via the gateway's HttpOnly cookies`);
    await shot(page, "02-logged-in");
  });

  it("refuses a cookie-authenticated POST from another origin (403 csrf_failed) before FastAPI", async () => {
    const echoesBefore = front?.seen.filter((r) => r.url === "/api/echo").length ?? 0;
    // Same-origin POST with the cookie works (and reaches FastAPI) ...
    const ok = await pageFetch(page, "POST", "/api/echo", { note: "same origin" });
    expect(ok.status).toBe(200);
    expect(ok.body.body).toEqual({ note: "same origin" });

    // ... the same POST from a page on another origin of the same site carries the
    // (SameSite=Lax) cookie, and the gateway refuses it.
    const otherPage = await context.newPage();
    await otherPage.goto(other?.url as string);
    const responded = otherPage.waitForResponse((r) => r.url() === `${stack.gatewayUrl}/api/echo`);
    await otherPage.evaluate(async (target) => {
      await fetch(target, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ note: "from elsewhere" }),
      }).catch(() => undefined);
    }, `${stack.gatewayUrl}/api/echo`);
    const refused = await responded;
    expect(refused.status()).toBe(403);
    // 403 (not 401 unauthorized) also proves that the browser did send the access cookie:
    // without a token the gateway would have answered 401. (Chromium keeps neither body nor
    // headers of an opaque no-cors response; the same request from Node shows the code.)
    await otherPage.close();
    const access = (await context.cookies(stack.gatewayUrl)).find((c) => c.name === "access")?.value;
    const replay = await call(stack.gatewayUrl, "POST", "/api/echo", {
      body: JSON.stringify({ note: "from elsewhere" }),
      headers: { cookie: `access=${access}`, origin: other?.url as string, "sec-fetch-site": "same-site", "content-type": "text/plain" },
    });
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe("csrf_failed");
    expect(front?.seen.filter((r) => r.url === "/api/echo").length).toBe(echoesBefore + 1);
  });

  it("logs out: cookies cleared, /api/me refused, and the old access token is revoked server-side", async () => {
    const oldAccess = (await context.cookies(stack.gatewayUrl)).find((c) => c.name === "access")?.value;
    expect(oldAccess).toBeTruthy();
    const out = await pageFetch(page, "POST", "/auth/logout");
    expect(out.status).toBe(204);
    const left = (await context.cookies(`${stack.gatewayUrl}/auth/refresh`)).filter((c) => c.name === "access" || c.name === "refresh");
    expect(left).toEqual([]);

    const me = await pageFetch(page, "GET", "/api/me");
    expect(me.status).toBe(401);
    expect(me.body.code).toBe("unauthorized");
    expect(me.contentType).toMatch(/^application\/problem\+json/);
    // Putting the old cookie back does not help: the token itself is revoked.
    const replay = await call(stack.gatewayUrl, "GET", "/api/me", { headers: { cookie: `access=${oldAccess}` } });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("token_revoked");
  });

  it("resets the password by the emailed link through the gateway's page, then logs in with the new one only", async () => {
    const forgot = await pageFetch(page, "POST", "/auth/password/forgot", { email });
    expect(forgot.status).toBe(202);
    expect(forgot.body).toEqual({ status: "accepted" });

    const received = await mail.waitFor((m) => m.kind === "password_reset" && m.to === email);
    expect(received.signatureValid).toBe(true);
    const link = received.message.link as string;
    // The token rides in the fragment: no server, log or link scanner ever sees it.
    expect(link.startsWith(`${stack.gatewayUrl}/auth/password/reset#token=`)).toBe(true);
    expect(received.message.text).toContain(link);
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get("token") as string;
    const seenPaths: string[] = [];
    const seen = (req: { url(): string }) => seenPaths.push(req.url());
    page.on("request", seen);

    const res = await page.goto(link);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["referrer-policy"]).toBe("no-referrer");
    expect(res?.headers()["content-security-policy"]).toMatch(/default-src 'none'|script-src 'nonce-/);
    // The script takes the token out of the address bar.
    await expect.poll(() => page.url()).toBe(`${stack.gatewayUrl}/auth/password/reset`);
    await page.waitForSelector("#password:not([disabled])");
    // The link check filled the hidden username field, so a password manager files the new password under it.
    expect(await page.inputValue("#username")).toBe(email);
    expect(await page.getAttribute("#username", "autocomplete")).toBe("username");
    await shot(page, "03-reset-form");

    // A mismatch is reported, and the message clears as soon as the person edits.
    await page.fill("#password", newPassword);
    await page.fill("#confirm", `${newPassword}x`);
    await page.click("#submit");
    await page.waitForSelector('#status[data-state="error"]');
    expect(await page.textContent("#status")).toMatch(/do not match/);
    expect(await page.getAttribute("#confirm", "aria-invalid")).toBe("true");
    await page.fill("#confirm", newPassword);
    expect(await page.textContent("#status")).toBe("");
    expect(await page.getAttribute("#confirm", "aria-invalid")).toBeNull();

    await page.click("#submit");
    await page.waitForSelector('#status[data-state="success"]', { timeout: 15_000 });
    expect(await page.textContent("#status")).toMatch(/Password changed/);
    // The next step: a link to sign in.
    expect(await page.isVisible("#next-link")).toBe(true);
    expect(await page.getAttribute("#next-link", "href")).toBe("/auth/login");
    await shot(page, "04-reset-done");
    page.off("request", seen);
    // What goes on the wire: the URL without its fragment (the token travels only in the JSON POST bodies).
    expect(seenPaths.length).toBeGreaterThan(0);
    expect(seenPaths.some((u) => u.split("#")[0]?.includes(token))).toBe(false);

    // The same link a second time (a fresh tab): the page says it is spent before anything is typed.
    await page.goto(`${stack.gatewayUrl}/public/app.html`);
    await page.goto(link);
    await page.waitForSelector('#status[data-state="error"]', { timeout: 15_000 });
    expect(await page.textContent("#status")).toMatch(/not valid|invalid|expired|used/i);
    expect(await page.isDisabled("#password")).toBe(true);
    expect(await page.isDisabled("#submit")).toBe(true);
    expect(await page.isVisible("#next-link")).toBe(true);
    await shot(page, "05-reset-link-spent");

    // A link mailed before tokens moved to the fragment (?token=) still opens the page and reads it.
    await page.goto(`${stack.gatewayUrl}/auth/password/reset?token=${token}`);
    await expect.poll(() => page.url()).toBe(`${stack.gatewayUrl}/auth/password/reset`);
    await page.waitForSelector('#status[data-state="error"]', { timeout: 15_000 });
    expect(await page.textContent("#status")).toMatch(/not valid|invalid|expired|used/i);

    await page.goto(`${stack.gatewayUrl}/public/app.html`);
    const oldLogin = await pageFetch(page, "POST", "/auth/login", { email, password: firstPassword });
    expect(oldLogin.status).toBe(401);
    expect(oldLogin.body.code).toBe("invalid_credentials");
    const newLogin = await pageFetch(page, "POST", "/auth/login", { email, password: newPassword });
    expect(newLogin.status, JSON.stringify(newLogin.body)).toBe(200);
    expect(newLogin.body.user.email).toBe(email);
    // A reset by link proves the mailbox: the email is now verified.
    expect(newLogin.body.user.email_verified).toBe(true);
    const me = await pageFetch(page, "GET", "/api/me");
    expect(me.status).toBe(200);
    expect(me.body.email_verified).toBe(true);
    await page.evaluate((text) => {
      (document.getElementById("who") as HTMLElement).textContent = text;
    }, `signed in again as ${me.body.email} with the new password (email verified: ${me.body.email_verified})`);
    await shot(page, "06-logged-in-again");
  });
});
