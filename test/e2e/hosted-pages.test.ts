// The hosted sign-in pages in headless Chromium, through the real stack
// (`npm run dev` + FastAPI): a protected navigation lands on /auth/login with
// `next`; a person creates an account, signs in with the password, adds a
// passkey on the offer step (DevTools virtual authenticator: CTAP2, internal
// transport, resident keys, user verification) and later signs in with it
// alone, each time landing on `next` with the cookies set and FastAPI seeing
// the user. Every page is screenshotted at 390 and 1280 px into
// test-artifacts/ and checked for labels, landmarks, contrast and focus order.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { ROOT, startStack, type Stack } from "./helpers/stack";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let stack: Stack;
let site: string;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
const ips = ipAllocator();
const email = uniqueEmail("hosted");
const password = strongPassword();

async function shots(p: Page, name: string): Promise<void> {
  for (const width of [390, 1280]) {
    await p.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await p.screenshot({ path: path.join(ARTIFACTS, `pages-${name}-${width}.png`), fullPage: true });
  }
}

interface A11yReport {
  problems: string[];
  checked: number;
}

/** Labels, landmarks, a live region and WCAG AA contrast of every visible text, in the page. */
function a11yCheck(p: Page): Promise<A11yReport> {
  return p.evaluate(() => {
    const problems: string[] = [];
    const visible = (el: Element) => {
      const r = (el as HTMLElement).getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    if (document.querySelectorAll("main").length !== 1) problems.push("one <main> landmark");
    if (!document.querySelector("h1")?.textContent?.trim()) problems.push("an <h1>");
    if (!document.documentElement.lang) problems.push("<html lang>");
    const live = document.getElementById("status");
    if (!live || live.getAttribute("aria-live") !== "polite") problems.push("an aria-live status region");
    for (const input of Array.from(document.querySelectorAll("input"))) {
      if (!input.labels || input.labels.length === 0 || !input.labels[0]?.textContent?.trim()) problems.push(`label for #${input.id}`);
    }
    for (const b of Array.from(document.querySelectorAll("button, a"))) {
      if (visible(b) && !b.textContent?.trim() && !b.getAttribute("aria-label")) problems.push(`accessible name of ${b.tagName}#${b.id}`);
    }
    const rgb = (s: string): number[] => (s.match(/[\d.]+/g) ?? []).map(Number);
    const lum = (c: number[]) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || (c[3] as number) > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    let checked = 0;
    for (const el of Array.from(document.querySelectorAll("h1, h2, p, label, button, a, input, li"))) {
      if (!visible(el) || !el.textContent?.trim() && el.tagName !== "INPUT") continue;
      const style = getComputedStyle(el);
      const fg = lum(rgb(style.color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
      checked += 1;
      if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} of ${el.tagName}#${el.id || ""} "${el.textContent?.trim().slice(0, 30)}"`);
    }
    return { problems, checked };
  });
}

/** The ids (or link texts) Tab visits, in order, from the top of the page. */
async function tabOrder(p: Page, steps: number): Promise<string[]> {
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const seen: string[] = [];
  for (let i = 0; i < steps; i++) {
    await p.keyboard.press("Tab");
    seen.push(await p.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || ""));
  }
  return seen;
}

async function statusText(p: Page): Promise<string> {
  return (await p.textContent("#status"))?.trim() ?? "";
}

async function cookieNames(): Promise<string[]> {
  const all = [...(await context.cookies(site)), ...(await context.cookies(`${site}/auth/refresh`))];
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
