/**
 * Unit tests for src/pages: the security headers (a CSP whose nonce is the
 * one on the inline style and script, and differs per response), the token
 * never rendered into the HTML, the stable element ids, and the form's
 * accessibility basics.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { resetPasswordPage, verifyEmailPage } from "../../src/pages";
import { PALETTE, type Palette } from "../../src/pages/palette";

const TOKEN = "tok_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a";

/** The routes as src/auth/routes.ts mounts them: a GET that carries a token. */
const app = new Hono();
app.get("/auth/password/reset", () => resetPasswordPage());
app.get("/auth/email/verify", () => verifyEmailPage());

interface Page {
  res: Response;
  html: string;
  nonce: string;
}

async function open(path: string): Promise<Page> {
  const res = await app.request(`https://gateway.test${path}?token=${TOKEN}`);
  const html = await res.text();
  const csp = res.headers.get("content-security-policy") ?? "";
  const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1] ?? "";
  return { res, html, nonce };
}

function inlineScript(html: string): string {
  return /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
}

const PAGES = [
  { name: "reset", path: "/auth/password/reset", ids: ["password", "confirm", "submit", "status"] },
  { name: "verify", path: "/auth/email/verify", ids: ["verify", "status"] },
] as const;

describe.each(PAGES)("$name page", ({ path, ids }) => {
  it("sends the strict headers, with one nonce on both inline tags", async () => {
    const { res, html, nonce } = await open(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(nonce.length).toBeGreaterThanOrEqual(22);
    expect(res.headers.get("content-security-policy")).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");

    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    const styles = html.match(/<style\b[^>]*>/g) ?? [];
    expect(scripts).toEqual([`<script nonce="${nonce}">`]);
    expect(styles).toEqual([`<style nonce="${nonce}">`]);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    // No external assets (the only link is the same-origin next step) and no inline handlers or style attributes the CSP would block.
    expect(html).not.toMatch(/\bsrc=/);
    expect(html.match(/\bhref="[^"]*"/g)).toEqual(['href="/auth/login"']);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("uses a fresh nonce per response", async () => {
    const a = await open(path);
    const b = await open(path);
    expect(a.nonce).not.toBe(b.nonce);
    expect(b.html).toContain(`nonce="${b.nonce}"`);
    expect(b.html).not.toContain(a.nonce);
  });

  it("never renders the token; the script reads it from the address and drops it", async () => {
    const { html } = await open(path);
    expect(html).not.toContain(TOKEN);
    expect(html).not.toContain("tok_");
    const script = inlineScript(html);
    // From the fragment (how links are mailed), else from ?token= (links mailed before).
    expect(script).toContain('const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));');
    expect(script).toContain('fragment.get("token") || url.searchParams.get("token")');
    expect(script).toContain('url.searchParams.delete("token")');
    expect(script).toContain('history.replaceState(history.state, "", url.pathname + url.search)');
    expect(script).toContain('window.addEventListener("hashchange"');
    expect(script).toContain("history.replaceState(");
    expect(script).toContain('credentials: "same-origin"');
    // Server text is shown with textContent, never parsed as HTML.
    expect(script).toContain("statusEl.textContent = text");
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(script).toMatch(/if \(!token\) \{/);
  });

  it("has the stable ids, lang, and an aria-live status region", async () => {
    const { html } = await open(path);
    for (const id of ids) expect(html).toContain(`id="${id}"`);
    expect(html.startsWith("<!doctype html><html lang=\"en\">")).toBe(true);
    expect(html).toMatch(/<p id="status" role="status" aria-live="polite"[^>]*><\/p>/);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain("<title>");
  });
});

describe("reset page", () => {
  it("labels both password fields and POSTs {token, password} to the JSON endpoint", async () => {
    const { html } = await open("/auth/password/reset");
    expect(html).toContain('<label for="password">New password</label>');
    expect(html).toContain('<label for="confirm">Confirm new password</label>');
    expect(html).toMatch(/<input id="password" name="password" type="password" autocomplete="new-password"/);
    expect(html).toMatch(/<input id="confirm" name="confirm" type="password" autocomplete="new-password"/);
    expect(html).toMatch(/<form id="reset-form" method="post" action="\/auth\/password\/reset">/);
    // The button starts disabled: without the script (and its token) nothing can be sent.
    expect(html).toMatch(/<button id="submit" type="submit" disabled="">/);
    const script = inlineScript(html);
    expect(script).toContain('postJson("/auth/password/reset", { token: token, password: password.value })');
    expect(script).toContain("Password changed. You can now sign in with your new password.");
    expect(script).toContain('showNext(SIGN_IN, "Sign in")');
    // A used or expired link says so before the person types: the probe spends nothing.
    expect(script).toContain('postJson("/auth/password/reset/check", { token: token })');
    expect(script).toContain('password.addEventListener("input", clearMismatch)');
    expect(html).toMatch(/<input id="username" name="username" type="email" autocomplete="username" hidden="" readonly="" tabindex="-1"\/?>/);
    expect(script).toContain("answer.status === 204");
    expect(script).toContain("answer.status === 422");
    expect(script).toContain("password.value !== confirm.value");
  });
});

describe("verify page", () => {
  it("shows a button that POSTs {token}; the GET spends nothing", async () => {
    const { html } = await open("/auth/email/verify");
    expect(html).toMatch(/<button id="verify" type="button" disabled="">Verify my email<\/button>/);
    expect(html).not.toContain("<form");
    const script = inlineScript(html);
    expect(script).toContain('postJson("/auth/email/verify", { token: token })');
    expect(script).toContain('button.addEventListener("click"');
    expect(script).toContain("answer.status === 200");
  });
});

/** WCAG 2.x relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe("colours (WCAG AA: 4.5:1 for text)", () => {
  it("computes contrast as WCAG does", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    // The dark scheme's old button: white on #7aa2ff.
    expect(contrast("#ffffff", "#7aa2ff")).toBeCloseTo(2.49, 2);
  });

  it.each(["light", "dark"] as const)("every text and background pair of the %s scheme reaches 4.5:1", (scheme) => {
    const p: Palette = PALETTE[scheme];
    const pairs: Array<[string, string, string]> = [
      ["button text on the accent", p.onAccent, p.accent],
      ["text on the card", p.fg, p.card],
      ["text on the page", p.fg, p.bg],
      ["links on the card", p.accent, p.card],
      ["errors on the card", p.err, p.card],
      ["success on the card", p.ok, p.card],
      ["hints on the card", p.muted, p.card],
    ];
    for (const [what, fg, bg] of pairs) expect(contrast(fg, bg), `${scheme}: ${what}`).toBeGreaterThanOrEqual(4.5);
  });

  it("the stylesheet uses the palette for both schemes and the button text", async () => {
    const { html } = await open("/auth/password/reset");
    expect(html).toContain(`--on-accent: ${PALETTE.dark.onAccent}`);
    expect(html).toContain(`--accent: ${PALETTE.dark.accent}`);
    expect(html).toContain("color: var(--on-accent)");
  });
});
