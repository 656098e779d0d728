// The hosted sign-in pages in headless Chromium, through the real stack
// (`npm run dev` + FastAPI): a protected navigation lands on /auth/login with
// `next`; a person creates an account, signs in with the password, adds a
// passkey on the offer step (DevTools virtual authenticator: CTAP2, internal
// transport, resident keys, user verification) and later signs in with it
// alone, each time landing on `next` with the cookies set and FastAPI seeing
// the user. An account with TOTP signs in with its password, then a code an
// authenticator app would show (a wrong one is explained in the live region).
// Every page and step is screenshotted at 390 and 1280 px into
// test-artifacts/ and checked for labels, landmarks, contrast and focus order.
import { mkdirSync } from "node:fs";
import { URI, type TOTP } from "otpauth";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, registerAndLogin, strongPassword, uniqueEmail } from "./helpers/client";
import { a11yCheck, ARTIFACTS, shots, statusText, tabOrder } from "./helpers/page-checks";
import { startStack, type Stack } from "./helpers/stack";

const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let stack: Stack;
let site: string;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
const ips = ipAllocator();
const email = uniqueEmail("hosted");
const password = strongPassword();

async function cookieNames(of: BrowserContext = context): Promise<string[]> {
  const all = [...(await of.cookies(site)), ...(await of.cookies(`${site}/auth/refresh`))];
  return [...new Set(all.map((c) => c.name))].sort();
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack({ adminDatabaseUrl: inject("e2eAdminDatabaseUrl"), name: "hosted", publicHost: "localhost" });
  site = `http://localhost:${stack.gatewayPort}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.setExtraHTTPHeaders({ "cf-connecting-ip": ips(11) });
  page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await stack?.stop();
});

describe("hosted sign-in pages in Chromium", () => {
  it("sends a protected navigation to the sign-in page with next, which is accessible at 390 and 1280 px", async () => {
    const res = await page.goto(`${site}/api/me`);
    expect(res?.status()).toBe(200);
    const url = new URL(page.url());
    expect(url.pathname).toBe("/auth/login");
    expect(url.searchParams.get("next")).toBe("/api/me");
    await expect(page.title()).resolves.toBe("Sign in");
    expect(res?.headers()["content-security-policy"]).toContain("'nonce-");
    await shots(page, "login");
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      const report = await a11yCheck(page);
      expect(report.problems, `login at ${width}px`).toEqual([]);
      expect(report.checked).toBeGreaterThan(5);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    expect(await tabOrder(page, 6)).toEqual(["email", "password", "sign-in", "passkey", "Forgot your password?", "Create an account"]);
  });

  it("creates an account on the register page and explains a mistake in words", async () => {
    await page.click("text=Create an account");
    await page.waitForURL(/\/auth\/register\?next=%2Fapi%2Fme$/);
    await shots(page, "register");
    expect((await a11yCheck(page)).problems).toEqual([]);
    await page.fill("#full-name", "Hosted Person");
    await page.fill("#email", email);
    await page.fill("#password", password);
    await page.fill("#confirm", `${password}x`);
    await page.click("#create");
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe("The two passwords do not match.");
    await page.fill("#confirm", password);
    await page.click("#create");
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toContain("Check your email");
    await shots(page, "register-done");
  });

  it("serves the forgot-password page and answers in words", async () => {
    await page.goto(`${site}/auth/password/forgot`);
    await shots(page, "forgot");
    expect((await a11yCheck(page)).problems).toEqual([]);
    await page.fill("#email", email);
    await page.click("#send");
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toContain("If an account uses that address");
  });

  it("signs in with the password (a wrong one says so), adds a passkey on the offer step and lands on next", async () => {
    await page.goto(`${site}/auth/login?next=%2Fapi%2Fme`);
    await page.fill("#email", email);
    await page.fill("#password", "Wrong-password-123!");
    await page.click("#sign-in");
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toBe("Wrong email or password.");
    expect(await page.getAttribute("#password", "aria-invalid")).toBe("true");
    await shots(page, "login-error");

    await page.fill("#password", password);
    await page.click("#sign-in");
    await page.waitForSelector("#offer-step:not([hidden])");
    await shots(page, "passkey-offer");
    expect((await a11yCheck(page)).problems).toEqual([]);
    expect(await cookieNames()).toEqual(["access", "refresh"]);
    await page.click("#add-passkey");
    await expect.poll(() => statusText(page), { timeout: 20_000 }).toContain("Passkey added");
    await page.click("#skip-passkey");
    await page.waitForURL(`${site}/api/me`);
    const me = JSON.parse((await page.textContent("body")) ?? "{}");
    expect(me).toMatchObject({ email, roles: ["user"] });
  });

  it("signs in with the passkey alone, lands on next with cookies, and FastAPI sees the user", async () => {
    await context.clearCookies();
    await page.goto(`${site}/api/me`);
    await page.waitForURL(/\/auth\/login\?next=%2Fapi%2Fme$/);
    expect(await cookieNames()).toEqual([]);
    await page.click("#passkey");
    await page.waitForURL(`${site}/api/me`);
    expect(await cookieNames()).toEqual(["access", "refresh"]);
    const me = JSON.parse((await page.textContent("body")) ?? "{}");
    expect(me).toMatchObject({ email, roles: ["user"] });
    await stack.settleFastapiLog();
    const requests = stack.fastapiRequests().filter((r) => r.path === "/api/me" && r.status === 200);
    expect(requests.length).toBeGreaterThanOrEqual(2);
  });
});

/** What an authenticator app shows `offsetSteps` 30 s steps from now, from the otpauth:// URL alone. */
function appCode(otpauthUrl: string, offsetSteps = 0): string {
  return (URI.parse(otpauthUrl) as TOTP).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/** A 6-digit code no step near now accepts (the server allows one step either side). */
function wrongCode(otpauthUrl: string): string {
  const near = new Set([-2, -1, 0, 1, 2, 3].map((step) => appCode(otpauthUrl, step)));
  let n = 123_456;
  while (near.has(String(n))) n += 1;
  return String(n);
}

describe("password, then TOTP, on the hosted sign-in page", () => {
  const mfaEmail = uniqueEmail("hosted-mfa");
  const mfaPassword = strongPassword();
  let otpauthUrl: string;
  let mfaContext: BrowserContext;
  let mfaPage: Page;

  beforeAll(async () => {
    // Enrolled through the JSON API, as a person would have done from an account page.
    const session = await registerAndLogin(stack.gatewayUrl, mfaEmail, mfaPassword, ips(21));
    const auth = { authorization: `Bearer ${session.access_token}`, "cf-connecting-ip": ips(21) };
    const setup = await call(stack.gatewayUrl, "POST", "/auth/mfa/totp/setup", { json: { password: mfaPassword }, headers: auth });
    expect(setup.status).toBe(200);
    otpauthUrl = setup.body.otpauth_url;
    const confirm = await call(stack.gatewayUrl, "POST", "/auth/mfa/totp/confirm", { json: { code: appCode(otpauthUrl) }, headers: auth });
    expect(confirm.status).toBe(200);
    // A browser of its own, without a platform authenticator: no passkey offer after the sign-in.
    mfaContext = await (browser as Browser).newContext({ viewport: { width: 1280, height: 800 } });
    await mfaContext.setExtraHTTPHeaders({ "cf-connecting-ip": ips(22) });
    mfaPage = await mfaContext.newPage();
  });

  afterAll(async () => {
    await mfaContext?.close().catch(() => {});
  });

  it("asks for the code after the password, with no session yet", async () => {
    await mfaPage.goto(`${site}/auth/login?next=%2Fapi%2Fheaders`);
    await mfaPage.fill("#email", mfaEmail);
    await mfaPage.fill("#password", mfaPassword);
    await mfaPage.click("#sign-in");
    await mfaPage.waitForSelector("#mfa-step:not([hidden])");
    expect(await mfaPage.isHidden("#password-step")).toBe(true);
    expect(await mfaPage.evaluate(() => document.activeElement?.id)).toBe("code");
    expect(await statusText(mfaPage)).toBe("One more step: enter your authentication code.");
    expect(await mfaPage.inputValue("#password")).toBe("");
    expect(await cookieNames(mfaContext)).toEqual([]);
    expect(await mfaPage.getAttribute("#code", "autocomplete")).toBe("one-time-code");
    // The two text buttons under Verify sit on lines of their own, not run together.
    const recoveryBox = await mfaPage.locator("#use-recovery").boundingBox();
    const backBox = await mfaPage.locator("#mfa-back").boundingBox();
    expect(backBox && recoveryBox && backBox.y >= recoveryBox.y + recoveryBox.height).toBe(true);
    await shots(mfaPage, "login-code");
    for (const width of [390, 1280]) {
      await mfaPage.setViewportSize({ width, height: 800 });
      expect((await a11yCheck(mfaPage)).problems, `code step at ${width}px`).toEqual([]);
      expect(await mfaPage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
  });

  it("says a wrong code didn't work in the live region, then lands on next with a right one and FastAPI sees the user", async () => {
    await mfaPage.fill("#code", wrongCode(otpauthUrl));
    await mfaPage.click("#verify");
    await expect.poll(() => statusText(mfaPage), { timeout: 20_000 }).toBe("That code didn't work. Check it and try again.");
    expect(await mfaPage.getAttribute("#status", "aria-live")).toBe("polite");
    expect(await mfaPage.getAttribute("#code", "aria-invalid")).toBe("true");
    expect(await mfaPage.evaluate(() => document.activeElement?.id)).toBe("code");
    expect(await cookieNames(mfaContext)).toEqual([]);
    await shots(mfaPage, "login-code-error");

    // The confirm spent this step's code; an app shows the next one (one step of drift is accepted).
    await mfaPage.fill("#code", appCode(otpauthUrl, 1));
    await mfaPage.click("#verify");
    await mfaPage.waitForURL(`${site}/api/headers`);
    expect(await cookieNames(mfaContext)).toEqual(["access", "refresh"]);
    const seen = JSON.parse((await mfaPage.textContent("body")) ?? "{}") as { user_id: string | null; headers: Record<string, string> };
    expect(seen.user_id).toEqual(expect.any(String));
    expect(seen.headers["x-user-id"]).toBe(seen.user_id);
    expect(seen.headers["x-user-email"]).toBe(mfaEmail);
    expect(seen.headers["x-auth-amr"]).toBe("pwd,otp,mfa");
    expect(seen.headers["x-auth-assertion"]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await stack.settleFastapiLog();
    expect(stack.fastapiRequests().some((r) => r.path === "/api/headers" && r.status === 200)).toBe(true);
  });
});
