import { describe, expect, it } from "vitest";
import { testGateway } from "../helpers/gateway";

const gw = await testGateway();
const HTML = { accept: "text/html,application/xhtml+xml" };
const PAGES = [
  ["/auth/login", "Sign in"],
  ["/auth/register", "Create an account"],
  ["/auth/password/forgot", "Reset your password"],
] as const;

describe("hosted sign-in pages", () => {
  it("serves each page to a browser with a nonce CSP, no referrer, no caching and no external resource", async () => {
    for (const [path, title] of PAGES) {
      const res = await gw.fetch(path, { headers: HTML });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const csp = res.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(csp).toContain("default-src 'none'");
      const html = await res.text();
      expect(html).toContain(`<title>${title}</title>`);
      expect(html).toMatch(/<main>/);
      expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
      for (const tag of html.match(/<(?:script|style)[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
      // Every input has a label.
      for (const id of [...html.matchAll(/<input[^>]* id="([^"]+)"/g)].map((m) => m[1])) {
        expect(html, `label for ${id}`).toContain(`for="${id}"`);
      }
      expect(html).toContain('aria-live="polite"');
    }
  });

  it("stays 405 without Accept: text/html, as before", async () => {
    for (const [path] of PAGES) {
      const res = await gw.fetch(path, { headers: { accept: "application/json" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST, OPTIONS");
      expect((await res.json<{ code: string }>()).code).toBe("method_not_allowed");
    }
  });

  it("carries a same-origin next, escaped, and drops anything else", async () => {
    const cases: Array<[string, string]> = [
      ["/dashboard?tab=2", "/dashboard?tab=2"],
      ["//evil.com", "/"],
      ["https://evil.com/", "/"],
      ["/%2F%2Fevil.com", "/"],
    ];
    for (const [next, expected] of cases) {
      const html = await (await gw.fetch(`/auth/login?next=${encodeURIComponent(next)}`, { headers: HTML })).text();
      expect(html).toContain(`data-next="${expected.replace(/&/g, "&amp;")}"`);
    }
    const hostile = '/x"><script>alert(1)</script>';
    const html = await (await gw.fetch(`/auth/login?next=${encodeURIComponent(hostile)}`, { headers: HTML })).text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;script&gt;alert(1)");
    // The links between pages keep next.
    const reg = await (await gw.fetch(`/auth/register?next=${encodeURIComponent("/a b")}`, { headers: HTML })).text();
    expect(reg).toContain(`href="/auth/login?next=%2Fa%20b"`);
  });

  it("applies PAGES_THEME colours and refuses anything that is not a colour", async () => {
    const themed = await testGateway({ PAGES_THEME: "accent=#0b7a53; bg=rgb(250, 250, 250)" }, {}, { databaseUrl: gw.databaseUrl });
    const html = await (await themed.fetch("/auth/login", { headers: HTML })).text();
    expect(html).toContain(":root{--accent:#0b7a53;--bg:rgb(250, 250, 250)}");
    const bad = await testGateway({ PAGES_THEME: "accent=red}body{display:none" }, {}, { databaseUrl: gw.databaseUrl });
    const res = await bad.fetch("/auth/login", { headers: HTML });
    expect(res.status).toBe(500);
    expect((await res.json<{ detail: string }>()).detail).toContain("PAGES_THEME");
  });

  it("sends browser navigations without a token to /auth/login by default, and not with LOGIN_URL=none", async () => {
    const res = await gw.fetch("/dashboard?tab=2", { headers: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/auth/login?next=%2Fdashboard%3Ftab%3D2");
    const off = await testGateway({ LOGIN_URL: "none" }, {}, { databaseUrl: gw.databaseUrl });
    const plain = await off.fetch("/dashboard", { headers: HTML });
    expect(plain.status).toBe(401);
  });
});
