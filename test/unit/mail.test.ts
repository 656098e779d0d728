/**
 * Unit tests for src/mail: the templates (every kind, escaping, links), the
 * webhook transport against the recording receiver (signature recomputed
 * here over the raw bytes received), failures that throw from `send` but not
 * from `sendSafely`, and the Resend request shape through a fake fetch.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { parseConfig, type Config } from "../../src/config";
import { actionLink, createMailer, MailDeliveryError, renderMail, sendSafely } from "../../src/mail";
import { RESEND_ENDPOINT, resendTransport } from "../../src/mail/resend-transport";
import type { MailKind, MailMessage, Mailer } from "../../src/mail/types";
import { webhookTransport } from "../../src/mail/webhook-transport";
import { developmentEnv } from "../helpers/config-env";
import { recordedFor } from "../helpers/upstream";

const UPSTREAM = (env as unknown as { UPSTREAM_URL: string }).UPSTREAM_URL;
const SECRET = "5c1e8f2a9b7d3e6f0a4c8b2d6e1f9a3c7b5d0e8f2a6c4b9d1e7f3a5c0b8d2e6f";
const RAW = developmentEnv({ UPSTREAM_URL: UPSTREAM });
const HOSTILE = `<script>alert("x")</script> & 'Zoë'`;
const LINK = "https://gateway.test/auth/password/reset?token=abc";

function config(vars: Record<string, string>): Config {
  return parseConfig({ ...RAW, ...vars });
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return hex(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
}

/** The JSON log lines written through console.error while `run` runs. */
async function errorLines(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    await run();
    return spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
  } finally {
    spy.mockRestore();
  }
}

describe("actionLink", () => {
  it("builds PUBLIC_URL + path + the encoded token in the fragment (never sent to a server)", () => {
    expect(actionLink("https://auth.example.com", "/auth/password/reset", "a+b/c=&d")).toBe(
      "https://auth.example.com/auth/password/reset#token=a%2Bb%2Fc%3D%26d",
    );
    expect(actionLink("https://auth.example.com/base/", "/auth/email/verify", "tok")).toBe(
      "https://auth.example.com/base/auth/email/verify#token=tok",
    );
  });
});

describe("renderMail", () => {
  const linkKinds: MailKind[] = ["email_verification", "password_reset"];

  it.each(linkKinds)("%s carries the link in text and html, values escaped", (kind) => {
    const link = `https://gateway.test/auth/x?token=abc&next="><img src=x>`;
    const m = renderMail(kind, { to: "zoe@example.com", link, fullName: HOSTILE, appName: "App <b>" });
    expect(m.kind).toBe(kind);
    expect(m.to).toBe("zoe@example.com");
    expect(m.link).toBe(link);
    expect(m.subject.length).toBeGreaterThan(5);
    expect(m.subject.length).toBeLessThan(70);
    // Plain text holds the values as they are.
    expect(m.text).toContain(link);
    expect(m.text).toContain(HOSTILE);
    // HTML holds only their escaped forms.
    const escapedLink = "https://gateway.test/auth/x?token=abc&amp;next=&quot;&gt;&lt;img src=x&gt;";
    expect(m.html).toContain(`href="${escapedLink}"`);
    expect(m.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Zoë&#39;");
    expect(m.html).toContain("App &lt;b&gt;");
    expect(m.html).not.toContain("<script");
    expect(m.html).not.toContain("<img");
    expect(m.html).not.toContain("<b>");
  });

  it("email_verification and password_reset say different things", () => {
    const verify = renderMail("email_verification", { to: "a@b.c", link: LINK });
    const reset = renderMail("password_reset", { to: "a@b.c", link: LINK });
    expect(verify.subject).toMatch(/verify/i);
    expect(reset.subject).toMatch(/reset/i);
    expect(reset.text).toMatch(/30 minutes/);
    expect(verify.html).toContain("Verify my email");
  });

  it("account_exists has no link and tells the owner to log in or reset", () => {
    const m = renderMail("account_exists", { to: "a@b.c", link: LINK, fullName: "Ana" });
    expect(m.link).toBeUndefined();
    expect(m.text).not.toContain(LINK);
    expect(m.html).not.toContain("<a ");
    expect(m.text).toContain("Hi Ana,");
    expect(m.text).toMatch(/If this was you, log in or reset your password/);
    expect(m.html).toMatch(/If this was you, log in or reset your password/);
  });

  it("password_changed notifies without a link", () => {
    const m = renderMail("password_changed", { to: "a@b.c", fullName: null });
    expect(m.link).toBeUndefined();
    expect(m.subject).toMatch(/password was changed/i);
    expect(m.text.startsWith("Hi,")).toBe(true);
    expect(m.html).toContain("<p>Hi,</p>");
    expect(m.text).toMatch(/reset your password/);
  });

  it.each(["mfa_enabled", "mfa_disabled", "recovery_code_used"] as const)("%s notifies without a link or a code", (kind) => {
    const m = renderMail(kind, { to: "a@b.c", link: LINK, fullName: "Ana" });
    expect(m.kind).toBe(kind);
    expect(m.link).toBeUndefined();
    expect(m.text).not.toContain(LINK);
    expect(m.text.startsWith("Hi Ana,")).toBe(true);
    expect(m.text).toMatch(/reset your password/);
    expect(m.subject).toMatch(kind === "recovery_code_used" ? /recovery code/i : /two-step verification/i);
  });

  it("refuses a link kind without an http(s) link", () => {
    expect(() => renderMail("password_reset", { to: "a@b.c" })).toThrow(TypeError);
    expect(() => renderMail("email_verification", { to: "a@b.c", link: "javascript:alert(1)" })).toThrow(TypeError);
  });
});

describe("webhook transport", () => {
  // A path of its own per test: the recording upstream is shared with other test files running at
  // the same time, so nothing here may clear its records (another file's would go with them).
  let marker = "";
  let HOOK = "";

  beforeEach(() => {
    marker = `/mail-hook-${crypto.randomUUID()}`;
    HOOK = `${UPSTREAM}${marker}`;
  });

  it("POSTs the API.md body, signed with HMAC-SHA256 over the raw bytes", async () => {
    const mailer = createMailer(config({ MAIL_TRANSPORT: "webhook", MAIL_WEBHOOK_URL: HOOK, MAIL_WEBHOOK_SECRET: SECRET }));
    const message = renderMail("password_reset", { to: "zoë@example.com", link: LINK, fullName: "Zoë «Ω»" });
    await mailer.send(message);

    const [hit, ...more] = await recordedFor(marker);
    expect(more).toHaveLength(0);
    expect(hit?.method).toBe("POST");
    expect(hit?.headers["content-type"]).toBe("application/json");
    const signature = hit?.headers["x-gateway-signature"];
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const body = hit?.body ?? "";
    expect(signature).toBe(`sha256=${await hmacHex(SECRET, body)}`);
    // The signature is over these exact bytes: one changed byte breaks it.
    expect(signature).not.toBe(`sha256=${await hmacHex(SECRET, body.replace("Zoë", "Zoe"))}`);
    expect(signature).not.toBe(`sha256=${await hmacHex(SECRET.toUpperCase(), body)}`);

    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["kind", "to", "subject", "text", "html", "link"]);
    expect(parsed).toEqual({
      kind: "password_reset",
      to: "zoë@example.com",
      subject: message.subject,
      text: message.text,
      html: message.html,
      link: LINK,
    });
  });

  it("sends link null for the kinds without one, and signs each body", async () => {
    const mailer = webhookTransport({ url: HOOK, secret: SECRET });
    await mailer.send(renderMail("account_exists", { to: "a@example.com" }));
    await mailer.send(renderMail("password_changed", { to: "b@example.com" }));
    const hits = await recordedFor(marker);
    expect(hits).toHaveLength(2);
    for (const hit of hits) {
      expect(JSON.parse(hit.body)).toMatchObject({ link: null });
      expect(hit.headers["x-gateway-signature"]).toBe(`sha256=${await hmacHex(SECRET, hit.body)}`);
    }
  });

  it("throws on a network error without the URL or secret in the message", async () => {
    const mailer = webhookTransport({ url: "http://hookuser:hookpass@127.0.0.1:1/hook?k=qs-secret", secret: SECRET });
    const err = await mailer.send(renderMail("account_exists", { to: "a@example.com" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    const failure = err as MailDeliveryError;
    expect(failure.transport).toBe("webhook");
    expect(failure.reason).toBe("network");
    for (const secret of ["hookpass", "qs-secret", "127.0.0.1", SECRET]) expect(failure.message).not.toContain(secret);
  });

  it("throws on a non-2xx answer, naming only the status", async () => {
    const fetchFn: typeof fetch = async () => new Response("denied: key qs-secret", { status: 401 });
    const mailer = webhookTransport({ url: "https://hooks.example/x?k=qs-secret", secret: SECRET, fetchFn });
    const err = await mailer.send(renderMail("account_exists", { to: "a@example.com" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).status).toBe(401);
    expect((err as MailDeliveryError).message).toBe("webhook mail delivery failed: HTTP 401");
  });

  it("does not follow a redirect (3xx is a failure)", async () => {
    const mailer = webhookTransport({ url: `${UPSTREAM}/__redirect`, secret: SECRET });
    const err = await mailer.send(renderMail("account_exists", { to: "a@example.com" })).catch((e: unknown) => e);
    expect((err as MailDeliveryError).status).toBe(302);
    expect(await recordedFor("/elsewhere")).toHaveLength(0);
  });

  it("gives up after its timeout", async () => {
    const mailer = webhookTransport({ url: `${UPSTREAM}/__slow?ms=3000`, secret: SECRET, timeoutMs: 100 });
    const started = Date.now();
    const err = await mailer.send(renderMail("account_exists", { to: "a@example.com" })).catch((e: unknown) => e);
    expect((err as MailDeliveryError).reason).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe("sendSafely", () => {
  it("never throws; logs mail.failed with kind and transport only, and calls onError", async () => {
    const mailer = createMailer(
      config({ MAIL_TRANSPORT: "webhook", MAIL_WEBHOOK_URL: "http://127.0.0.1:1/hook", MAIL_WEBHOOK_SECRET: SECRET }),
    );
    const message = renderMail("password_reset", { to: "victim@example.com", link: LINK });
    await expect(mailer.send(message)).rejects.toBeInstanceOf(MailDeliveryError);

    const seen: unknown[] = [];
    const lines = await errorLines(async () => {
      await expect(sendSafely(mailer, message, (e) => seen.push(e))).resolves.toBeUndefined();
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(MailDeliveryError);
    const line = lines.find((l) => l.event === "mail.failed");
    expect(line).toMatchObject({ level: "error", kind: "password_reset", transport: "webhook", reason: "network" });
    const text = JSON.stringify(lines);
    for (const leak of ["victim@example.com", "token=abc", "127.0.0.1", SECRET]) expect(text).not.toContain(leak);
  });

  it("swallows a custom mailer's error and a throwing onError, without the error's message", async () => {
    const broken: Mailer = {
      async send() {
        throw new Error("smtp said no to victim@example.com");
      },
    };
    const lines = await errorLines(async () => {
      await sendSafely(broken, renderMail("password_changed", { to: "victim@example.com" }), () => {
        throw new Error("hook failed");
      });
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: "mail.failed", kind: "password_changed", transport: "custom", reason: "Error" });
    expect(JSON.stringify(lines)).not.toContain("victim");
  });

  it("is silent when the send succeeds", async () => {
    const sent: MailMessage[] = [];
    const ok: Mailer = { async send(m) { sent.push(m); } };
    const lines = await errorLines(() => sendSafely(ok, renderMail("password_changed", { to: "a@b.c" })));
    expect(sent).toHaveLength(1);
    expect(lines).toHaveLength(0);
  });
});

describe("resend transport", () => {
  interface Call {
    url: string;
    init: RequestInit | undefined;
  }

  function fakeFetch(status: number, calls: Call[]): typeof fetch {
    return async (input, init) => {
      calls.push({ url: String(input), init });
      return new Response(status === 200 ? '{"id":"msg_1"}' : '{"message":"bad key re_live_123"}', { status });
    };
  }

  it("POSTs {from, to: [..], subject, text, html} with the bearer key", async () => {
    const calls: Call[] = [];
    const mailer = createMailer(
      config({ MAIL_TRANSPORT: "resend", RESEND_API_KEY: "re_live_123", MAIL_FROM: "App <no-reply@app.example>" }),
      fakeFetch(200, calls),
    );
    const message = renderMail("email_verification", { to: "ana@example.com", link: LINK });
    await mailer.send(message);

    expect(calls).toHaveLength(1);
    const call = calls[0] as Call;
    expect(call.url).toBe(RESEND_ENDPOINT);
    expect(call.init?.method).toBe("POST");
    const headers = new Headers(call.init?.headers);
    expect(headers.get("authorization")).toBe("Bearer re_live_123");
    expect(headers.get("content-type")).toBe("application/json");
    const body = JSON.parse(new TextDecoder().decode(call.init?.body as Uint8Array)) as unknown;
    expect(body).toEqual({
      from: "App <no-reply@app.example>",
      to: ["ana@example.com"],
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
  });

  it("throws on a refusal without the key or the provider's answer in the message", async () => {
    const mailer = resendTransport({ apiKey: "re_live_123", from: "a@b.c", fetchFn: fakeFetch(403, []) });
    const err = await mailer.send(renderMail("password_changed", { to: "a@b.c" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).message).toBe("resend mail delivery failed: HTTP 403");
    expect((err as MailDeliveryError).message).not.toContain("re_live_123");
  });
});

describe("createMailer", () => {
  let logSpy: MockInstance<typeof console.log>;
  beforeEach(() => {
    logSpy = vi.spyOn(console, "log").mockImplementation(() => {});
  });
  afterEach(() => logSpy.mockRestore());

  it("defaults to the log transport, which writes the message and link", async () => {
    const c = config({});
    const mailer = createMailer(c);
    expect(createMailer(c)).toBe(mailer);
    expect((mailer as { transport?: string }).transport).toBe("log");
    await mailer.send(renderMail("email_verification", { to: "ana@example.com", link: LINK }));
    const lines = logSpy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: "mail", kind: "email_verification", link: LINK });
    expect(lines[1]).toMatchObject({ event: "mail.sent", transport: "log" });
  });

  it("switches on MAIL_TRANSPORT", () => {
    const hook = { MAIL_TRANSPORT: "webhook", MAIL_WEBHOOK_URL: "https://hooks.example/m", MAIL_WEBHOOK_SECRET: SECRET };
    const resend = { MAIL_TRANSPORT: "resend", RESEND_API_KEY: "re_x" };
    expect((createMailer(config(hook)) as { transport?: string }).transport).toBe("webhook");
    expect((createMailer(config(resend)) as { transport?: string }).transport).toBe("resend");
  });
});
