/**
 * Unit tests for src/pages: the security headers (a CSP whose nonce is the
 * one on the inline style and script, and differs per response), the token
 * never rendered into the HTML, the stable element ids, and the form's
 * accessibility basics.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { resetPasswordPage, verifyEmailPage } from "../../src/pages";

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
    // No external assets and no inline handlers or style attributes the CSP would block.
    expect(html).not.toMatch(/\b(src|href)=/);
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
    expect(script).toContain('url.searchParams.get("token")');
    expect(script).toContain('url.searchParams.delete("token")');
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
    expect(script).toContain("Password changed. You can now log in.");
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
