import { describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson, register, uniqueEmail } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";

const NEW_PASSWORD = "Fresh-Start-2026!";

describe("password reset", () => {
  it("resets by the mailed link: sessions revoked, lock cleared, email verified, no login", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "reset");
    const forgot = await postJson(gw, "/auth/password/forgot", { email: s.email });
    expect(forgot.status).toBe(202);
    expect(await forgot.text()).toBe('{"status":"accepted"}');
    await gw.settle();
    const message = mail.messages.find((m) => m.kind === "password_reset");
    expect(message?.link).toMatch(/^https:\/\/gateway\.test\/auth\/password\/reset#token=[A-Za-z0-9_-]{43}$/);
    const token = mail.tokenFor(s.email, "password_reset");

    const weak = await postJson(gw, "/auth/password/reset", { token, password: "123" });
    expect(weak.status).toBe(422);
    const ok = await postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD });
    expect(ok.status).toBe(204);
    expect(ok.headers.getSetCookie()).toEqual([]);
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(401);
    expect((await postJson(gw, "/auth/refresh", { refresh_token: s.refresh })).status).toBe(401);
    await expect(loginBearer(gw, s.email, NEW_PASSWORD)).resolves.toMatchObject({ body: { user: { email_verified: true } } });
    await gw.settle();
    expect(mail.messages.some((m) => m.kind === "password_changed" && m.to === s.email)).toBe(true);

    const reuse = await postJson(gw, "/auth/password/reset", { token, password: "Another-Start-2027!" });
    expect(reuse.status).toBe(400);
    expect((await reuse.json<{ code: string }>()).code).toBe("invalid_token");
  });

  it("expires after 30 minutes and is superseded by a newer link", async () => {
    let now = Date.now();
    const mail = mailbox();
    const gw = await testGateway({ RATE_LIMIT_FORGOT_EMAIL: "10/1h" }, { mailer: mail, now: () => now });
    const s = await newUser(gw, "expiry");
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const first = mail.tokenFor(s.email, "password_reset");
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const second = mail.tokenFor(s.email, "password_reset");
    expect(second).not.toBe(first);
    expect((await postJson(gw, "/auth/password/reset", { token: first, password: NEW_PASSWORD })).status).toBe(400);
    now += 31 * 60 * 1000;
    expect((await postJson(gw, "/auth/password/reset", { token: second, password: NEW_PASSWORD })).status).toBe(400);
  });

  it("answers unknown emails with the same bytes, and mails nobody", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const known = await newUser(gw, "known");
    const a = await postJson(gw, "/auth/password/forgot", { email: known.email });
    const b = await postJson(gw, "/auth/password/forgot", { email: uniqueEmail("unknown") });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(await a.text()).toBe(await b.text());
    expect([...a.headers.keys()].filter((k) => !k.startsWith("ratelimit") && k !== "x-request-id")).toEqual(
      [...b.headers.keys()].filter((k) => !k.startsWith("ratelimit") && k !== "x-request-id"),
    );
    await gw.settle();
    expect(mail.messages.filter((m) => m.kind === "password_reset").map((m) => m.to)).toEqual([known.email]);
  });

  it("builds links from PUBLIC_URL, whatever Host or X-Forwarded-Host say", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "host");
    await gw.fetch("https://evil.example/auth/password/forgot", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        host: "evil.example",
        "x-forwarded-host": "evil.example",
        "cf-connecting-ip": "10.77.0.1",
      },
      body: JSON.stringify({ email: s.email }),
    });
    await gw.settle();
    const link = mail.messages.find((m) => m.kind === "password_reset")?.link ?? "";
    expect(new URL(link).origin).toBe("https://gateway.test");
    expect(link).not.toContain("evil");
  });

  it("limits forgot-password per email and per IP", async () => {
    const gw = await testGateway({}, { mailer: mailbox() });
    const email = uniqueEmail("limited");
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(gw, "/auth/password/forgot", { email })).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const ipStatuses = [];
    for (let i = 0; i < 6; i++) {
      ipStatuses.push(
        (await postJson(gw, "/auth/password/forgot", { email: uniqueEmail("ip") }, { "cf-connecting-ip": "10.66.0.1" })).status,
      );
    }
    expect(ipStatuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it("lifts an account lock", async () => {
    const mail = mailbox();
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m", LOCKOUT_THRESHOLD: "3" }, { mailer: mail });
    const s = await newUser(gw, "unlock");
    for (let i = 0; i < 3; i++) await postJson(gw, "/auth/login", { email: s.email, password: "Wrong-Pass-123", transport: "bearer" });
    const locked = await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(locked.status).toBe(429);
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const token = mail.tokenFor(s.email, "password_reset");
    expect((await postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD })).status).toBe(204);
    await expect(loginBearer(gw, s.email, NEW_PASSWORD)).resolves.toBeDefined();
  });
});

describe("email verification", () => {
  it("verifies by the mailed token, and REQUIRE_EMAIL_VERIFICATION gates login until then", async () => {
    const mail = mailbox();
    const gw = await testGateway({ REQUIRE_EMAIL_VERIFICATION: "true" }, { mailer: mail });
    const email = uniqueEmail("verify");
    await register(gw, email);
    await gw.settle();
    const refused = await postJson(gw, "/auth/login", { email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(refused.status).toBe(403);
    expect((await refused.json<{ code: string }>()).code).toBe("email_unverified");
    const token = mail.tokenFor(email, "email_verification");
    const verified = await postJson(gw, "/auth/email/verify", { token });
    expect(verified.status).toBe(200);
    expect((await verified.json<{ user: { email_verified: boolean } }>()).user.email_verified).toBe(true);
    expect((await postJson(gw, "/auth/email/verify", { token })).status).toBe(400);
    await expect(loginBearer(gw, email)).resolves.toBeDefined();
  });

  it("mails a new token on request, limited per user, and only while unverified", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "again");
    for (let i = 0; i < 5; i++) {
      expect((await postJson(gw, "/auth/email/verify/request", {}, bearer(s.access))).status).toBe(202);
    }
    const over = await postJson(gw, "/auth/email/verify/request", {}, bearer(s.access));
    expect(over.status).toBe(429);
    await gw.settle();
    const token = mail.tokenFor(s.email, "email_verification");
    expect((await postJson(gw, "/auth/email/verify", { token })).status).toBe(200);
    expect((await postJson(gw, "/auth/email/verify/request", {})).status).toBe(401);
  });

  it("refuses unknown tokens with 400 invalid_token", async () => {
    const gw = await testGateway();
    for (const token of ["nope", "A".repeat(43)]) {
      const res = await postJson(gw, "/auth/email/verify", { token });
      expect(res.status).toBe(400);
      expect((await res.json<{ code: string }>()).code).toBe("invalid_token");
    }
  });

  it("tells the owner of a taken email by mail instead of by response", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "taken");
    await register(gw, s.email, "Someone-Else-77");
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === s.email).map((m) => m.kind)).toEqual(["email_verification", "account_exists"]);
  });
});

describe("pages", () => {
  it("serves the reset and verify pages without spending the token", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "pages");
    await gw.settle();
    const token = mail.tokenFor(s.email, "email_verification");
    for (const path of ["/auth/email/verify", "/auth/password/reset"]) {
      const page = await gw.fetch(`${path}?token=${token}`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(await page.text()).not.toContain(token);
    }
    const rows = await query<{ used_at: string | null }>(gw.databaseUrl, "SELECT used_at FROM auth_tokens WHERE token_type = 'email_verification'");
    expect(rows.every((r) => r.used_at === null)).toBe(true);
  });
});

describe("POST /auth/password/reset/check (the page's validity probe)", () => {
  it("answers 200 with the account's email for a live link, spends and changes nothing", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "probe");
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const token = mail.tokenFor(s.email, "password_reset");
    for (let i = 0; i < 2; i++) {
      const res = await postJson(gw, "/auth/password/reset/check", { token });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toEqual({ valid: true, email: s.email });
    }
    const rows = await query<{ used_at: string | null; is_revoked: boolean }>(
      gw.databaseUrl,
      "SELECT used_at, is_revoked FROM auth_tokens WHERE token_type = 'password_reset'",
    );
    expect(rows).toEqual([{ used_at: null, is_revoked: false }]);
    // The session still works and the link still resets.
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(200);
    expect((await postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD })).status).toBe(204);
  });

  it("answers 400 invalid_token for a used, superseded, expired, unknown or malformed link", async () => {
    let now = Date.now();
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail, now: () => now });
    const s = await newUser(gw, "probe2");
    const linkFor = async () => {
      await postJson(gw, "/auth/password/forgot", { email: s.email });
      await gw.settle();
      return mail.tokenFor(s.email, "password_reset");
    };
    const check = async (token: string) => {
      const res = await postJson(gw, "/auth/password/reset/check", { token });
      return { status: res.status, code: (await res.json<{ code?: string }>()).code };
    };
    const superseded = await linkFor();
    const used = await linkFor();
    expect((await check(superseded)).status).toBe(400);
    expect((await postJson(gw, "/auth/password/reset", { token: used, password: NEW_PASSWORD })).status).toBe(204);
    expect(await check(used)).toEqual({ status: 400, code: "invalid_token" });
    const expiring = await linkFor();
    expect((await check(expiring)).status).toBe(200);
    now += 31 * 60 * 1000;
    expect(await check(expiring)).toEqual({ status: 400, code: "invalid_token" });
    expect(await check("A".repeat(43))).toEqual({ status: 400, code: "invalid_token" });
    expect(await check("not a token")).toEqual({ status: 400, code: "invalid_token" });
    expect((await postJson(gw, "/auth/password/reset/check", { token: 42 })).status).toBe(422);
  });

  it("a probe and the reset fired at once: the reset happens exactly once, the probe changes nothing", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "probe3");
    await postJson(gw, "/auth/password/forgot", { email: s.email });
    await gw.settle();
    const token = mail.tokenFor(s.email, "password_reset");
    const [a, b, c] = await Promise.all([
      postJson(gw, "/auth/password/reset/check", { token }),
      postJson(gw, "/auth/password/reset", { token, password: NEW_PASSWORD }),
      postJson(gw, "/auth/password/reset", { token, password: "Another-Start-2027!" }),
    ]);
    expect([200, 400]).toContain(a.status);
    expect([b.status, c.status].sort()).toEqual([204, 400]);
    expect((await postJson(gw, "/auth/password/reset/check", { token })).status).toBe(400);
  });

  it("is limited per IP like logins", async () => {
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "2/15m" });
    const send = () =>
      gw.fetch("/auth/password/reset/check", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.201" },
        body: JSON.stringify({ token: "A".repeat(43) }),
      });
    expect((await send()).status).toBe(400);
    expect((await send()).status).toBe(400);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect((await limited.json<{ code: string }>()).code).toBe("rate_limited");
  });
});
