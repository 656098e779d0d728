/**
 * The second step of login (POST /auth/login/mfa) in workerd against real
 * Postgres, KV and Durable Objects: both transports, drift, replay, the
 * mfa_token's binding, single use and attempt limit, recovery codes, the
 * lockout, key rotation, and an MFA session at MFA_PATHS.
 */
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { totpCode } from "../../src/mfa/totp";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { bearer, cookiesOf, GOOD_PASSWORD, postJson } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";
import { mfaToken, movableClock, newMfaUser } from "../helpers/mfa";
import { recordedFor } from "../helpers/upstream";

const clock = movableClock();
const mail = mailbox();
const KEY_A = "4f1c0a9e3b5d48e2a6c4f0b19d2e7a3c5b8f1d0e4a7c2b9f6e3d1a0c8b5f2e7d";
const KEY_B = "9d2e7a3c5b8f1d0e4a7c2b9f6e3d1a0c8b5f2e7d4f1c0a9e3b5d48e2a6c4f0b1";
const gw = await testGateway({ MFA_PATHS: "/vault/**", MFA_ENCRYPTION_KEY: KEY_A }, { now: clock.now, mailer: mail });

function finish(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return postJson(gw, "/auth/login/mfa", body, headers);
}
async function codeOf(res: Response): Promise<string> {
  return (await res.json<{ code: string }>()).code;
}
function wrongCodeFor(secret: string): string {
  const right = totpCode(secret, clock.now());
  return right === "000000" ? "000001" : "000000";
}

describe("password login of a TOTP user", () => {
  it("answers 401 mfa_required with an mfa_token and methods; no session, no cookie", async () => {
    const u = await newMfaUser(gw, clock, "first");
    for (const transport of ["bearer", "cookie"]) {
      const res = await postJson(gw, "/auth/login", { email: u.email, password: GOOD_PASSWORD, transport });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.getSetCookie()).toEqual([]);
      const body = await res.json<Record<string, unknown>>();
      expect(body.code).toBe("mfa_required");
      expect(body.status).toBe(401);
      expect(body.methods).toEqual(["totp", "recovery_code"]);
      expect(body.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.access_token).toBeUndefined();
    }
    const wrong = await postJson(gw, "/auth/login", { email: u.email, password: "Wrong-Horse-42" });
    expect(await codeOf(wrong)).toBe("invalid_credentials");
  });
});

describe("POST /auth/login/mfa", () => {
  it("bearer: a TOTP code finishes the login with amr [pwd, otp, mfa]; a refresh keeps it", async () => {
    const u = await newMfaUser(gw, clock, "bearer");
    const token = await mfaToken(gw, u.email, "bearer");
    const res = await finish({ mfa_token: token, code: totpCode(u.secret, clock.now()) });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = await res.json<{ access_token: string; refresh_token: string; token_type: string; user: { email: string } }>();
    expect(body.token_type).toBe("Bearer");
    expect(body.user.email).toBe(u.email);
    expect(decodeJwt(body.access_token).amr).toEqual(["pwd", "otp", "mfa"]);
    const refreshed = await postJson(gw, "/auth/refresh", { refresh_token: body.refresh_token });
    expect(decodeJwt((await refreshed.json<{ access_token: string }>()).access_token).amr).toEqual(["pwd", "otp", "mfa"]);
    // The MFA session passes MFA_PATHS; the password-only one does not.
    const m = `m${crypto.randomUUID().slice(0, 8)}`;
    expect((await gw.fetch(`/vault/${m}`, { headers: bearer(u.access) })).status).toBe(403);
    expect((await gw.fetch(`/vault/${m}`, { headers: bearer(body.access_token) })).status).toBe(200);
    const seen = await recordedFor(m);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-auth-amr"]).toBe("pwd,otp,mfa");
    // Used: the token is spent.
    clock.nextStep();
    const again = await finish({ mfa_token: token, code: totpCode(u.secret, clock.now()) });
    expect(again.status).toBe(400);
    expect(await codeOf(again)).toBe("invalid_token");
  });

  it("cookie: answers with cookies and a token-free body, and needs a same-origin request", async () => {
    const u = await newMfaUser(gw, clock, "cookie");
    const token = await mfaToken(gw, u.email, "cookie");
    const csrf = await gw.fetch("/auth/login/mfa", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ mfa_token: token, code: totpCode(u.secret, clock.now()) }),
    });
    expect(csrf.status).toBe(403);
    expect(await codeOf(csrf)).toBe("csrf_failed");
    const res = await finish({ mfa_token: token, code: totpCode(u.secret, clock.now()) });
    expect(res.status).toBe(200);
    const cookies = cookiesOf(res);
    expect(cookies.has("__Host-access")).toBe(true);
    expect(cookies.has("__Secure-refresh")).toBe(true);
    const body = await res.json<Record<string, unknown>>();
    expect(body.access_token).toBeUndefined();
    expect(body.expires_in).toBe(900);
    expect(decodeJwt(cookies.get("__Host-access")?.value as string).amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("an mfa_token answers only in its transport, and only for its user", async () => {
    const a = await newMfaUser(gw, clock, "bind-a");
    const b = await newMfaUser(gw, clock, "bind-b");
    const cookieToken = await mfaToken(gw, a.email, "cookie");
    const mismatch = await finish({ mfa_token: cookieToken, code: totpCode(a.secret, clock.now()), transport: "bearer" });
    expect(mismatch.status).toBe(400);
    expect(await codeOf(mismatch)).toBe("invalid_token");
    const bearerToken = await mfaToken(gw, a.email, "bearer");
    const otherUser = await finish({ mfa_token: bearerToken, code: totpCode(b.secret, clock.now()) });
    expect(otherUser.status).toBe(401);
    expect(await codeOf(otherUser)).toBe("invalid_code");
    const right = await finish({ mfa_token: bearerToken, code: totpCode(a.secret, clock.now()), transport: "bearer" });
    expect(right.status).toBe(200);
    expect(decodeJwt((await right.json<{ access_token: string }>()).access_token).email).toBe(a.email);
    clock.nextStep();
  });

  it("accepts one step of drift either side, not two", async () => {
    const u = await newMfaUser(gw, clock, "drift");
    const now = clock.now();
    for (const [offset, ok] of [[-60_000, false], [60_000, false], [-30_000, true], [30_000, true]] as const) {
      clock.nextStep();
      clock.nextStep();
      const t = await mfaToken(gw, u.email);
      const res = await finish({ mfa_token: t, code: totpCode(u.secret, clock.now() + offset) });
      expect(res.status, `offset ${offset}`).toBe(ok ? 200 : 401);
    }
    expect(now).toBeLessThan(clock.now());
  });

  it("a code is accepted once: a replay is invalid_code, and two uses at once have exactly one winner", async () => {
    const u = await newMfaUser(gw, clock, "replay");
    const code = totpCode(u.secret, clock.now());
    const [t1, t2, t3] = [await mfaToken(gw, u.email), await mfaToken(gw, u.email), await mfaToken(gw, u.email)];
    const both = await Promise.all([finish({ mfa_token: t1, code }), finish({ mfa_token: t2, code })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    const replay = await finish({ mfa_token: t3, code });
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe("invalid_code");
    clock.nextStep();
  });

  it("5 wrong codes kill the mfa_token, even sent all at once; malformed codes cost no attempt", async () => {
    const u = await newMfaUser(gw, clock, "attempts");
    const token = await mfaToken(gw, u.email);
    for (const code of ["12345", "1234567", "12 456", "١٢٣٤٥٦"]) {
      const res = await finish({ mfa_token: token, code });
      expect(res.status).toBe(422);
    }
    expect((await finish({ mfa_token: token })).status).toBe(422);
    expect((await finish({ mfa_token: token, code: "123456", recovery_code: u.recoveryCodes[0] })).status).toBe(422);
    const wrong = wrongCodeFor(u.secret);
    const results = await Promise.all(Array.from({ length: 8 }, () => finish({ mfa_token: token, code: wrong })));
    const codes = await Promise.all(results.map(codeOf));
    expect(codes.filter((c) => c === "invalid_code")).toHaveLength(5);
    expect(codes.filter((c) => c === "invalid_token")).toHaveLength(3);
    const dead = await finish({ mfa_token: token, code: totpCode(u.secret, clock.now()) });
    expect(dead.status).toBe(400);
    expect(await codeOf(dead)).toBe("invalid_token");
  });

  it("an expired, unknown or malformed mfa_token is 400 invalid_token", async () => {
    const u = await newMfaUser(gw, clock, "expiry");
    const token = await mfaToken(gw, u.email);
    clock.advance(301_000);
    for (const t of [token, "A".repeat(43), "short"]) {
      const res = await finish({ mfa_token: t, code: totpCode(u.secret, clock.now()) });
      expect(res.status).toBe(400);
      expect(await codeOf(res)).toBe("invalid_token");
    }
    clock.nextStep();
  });

  it("a recovery code works once, is mailed about, and one code used twice at once has one winner", async () => {
    const u = await newMfaUser(gw, clock, "recovery");
    const code = u.recoveryCodes[0] as string;
    const [t1, t2, t3] = [await mfaToken(gw, u.email, "cookie"), await mfaToken(gw, u.email), await mfaToken(gw, u.email)];
    const both = await Promise.all([finish({ mfa_token: t1, recovery_code: code }), finish({ mfa_token: t2, recovery_code: code })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    const again = await finish({ mfa_token: t3, recovery_code: code.toUpperCase() });
    expect(again.status).toBe(401);
    expect(await codeOf(again)).toBe("invalid_code");
    const winner = both.find((r) => r.status === 200) as Response;
    const access = winner.headers.getSetCookie().length > 0
      ? (cookiesOf(winner).get("__Host-access")?.value as string)
      : (await winner.json<{ access_token: string }>()).access_token;
    expect(decodeJwt(access).amr).toEqual(["pwd", "otp", "mfa"]);
    const status = await (await gw.fetch("/auth/mfa", { headers: bearer(access) })).json<{ recovery_codes_left: number }>();
    expect(status.recovery_codes_left).toBe(9);
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === u.email && m.kind === "recovery_code_used")).toHaveLength(1);
    expect(JSON.stringify(mail.messages)).not.toContain(code);
    expect((await finish({ mfa_token: t3, recovery_code: "not a code" })).status).toBe(422);
  });

  it("wrong codes count toward the email's lockout; the right password does not clear the count", async () => {
    const locky = await testGateway({ LOCKOUT_THRESHOLD: "3", MFA_ENCRYPTION_KEY: KEY_A }, { now: clock.now }, { databaseUrl: gw.databaseUrl });
    const u = await newMfaUser(locky, clock, "lockout");
    const wrong = wrongCodeFor(u.secret);
    for (let i = 0; i < 3; i++) {
      const t = await mfaToken(locky, u.email);
      const res = await postJson(locky, "/auth/login/mfa", { mfa_token: t, code: wrong });
      expect(res.status).toBe(401);
    }
    const login = await postJson(locky, "/auth/login", { email: u.email, password: GOOD_PASSWORD });
    expect(login.status).toBe(429);
    expect(await codeOf(login)).toBe("account_locked");
    const [row] = await query<{ failed_login_attempts: number }>(gw.databaseUrl, "SELECT failed_login_attempts FROM users WHERE lower(email) = $1", [u.email]);
    await locky.settle();
    expect(row?.failed_login_attempts).toBeGreaterThanOrEqual(2);
  });

  it("keys rotate: a secret sealed under a previous key still works and is re-sealed under the new one", async () => {
    const u = await newMfaUser(gw, clock, "rotate");
    const userId = Number((await query<{ id: string }>(gw.databaseUrl, "SELECT id FROM users WHERE lower(email) = $1", [u.email]))[0]?.id);
    const sealed = async () =>
      (await query<{ secret_encrypted: string }>(gw.databaseUrl, "SELECT secret_encrypted FROM user_totp WHERE user_id = $1", [userId]))[0]
        ?.secret_encrypted as string;
    const before = await sealed();
    const rotated = await testGateway(
      { MFA_ENCRYPTION_KEY: KEY_B, MFA_PREVIOUS_ENCRYPTION_KEYS: KEY_A },
      { now: clock.now },
      { databaseUrl: gw.databaseUrl },
    );
    const t = await mfaToken(rotated, u.email);
    expect((await postJson(rotated, "/auth/login/mfa", { mfa_token: t, code: totpCode(u.secret, clock.now()) })).status).toBe(200);
    const after = await sealed();
    expect(after.split(".")[1]).not.toBe(before.split(".")[1]);
    clock.nextStep();
    // Without the old key the new seal still opens; the old one would not.
    const onlyB = await testGateway({ MFA_ENCRYPTION_KEY: KEY_B }, { now: clock.now }, { databaseUrl: gw.databaseUrl });
    const t2 = await mfaToken(onlyB, u.email);
    expect((await postJson(onlyB, "/auth/login/mfa", { mfa_token: t2, code: totpCode(u.secret, clock.now()) })).status).toBe(200);
    clock.nextStep();
    await query(gw.databaseUrl, "UPDATE user_totp SET secret_encrypted = $1 WHERE user_id = $2", [before, userId]);
    const t3 = await mfaToken(onlyB, u.email);
    const lost = await postJson(onlyB, "/auth/login/mfa", { mfa_token: t3, code: totpCode(u.secret, clock.now()) });
    expect(lost.status).toBe(503);
    expect(JSON.stringify(await lost.json())).not.toMatch(/key|secret/i);
  });
});
