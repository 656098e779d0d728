/**
 * TOTP enrolment and management in workerd against real Postgres, KV and
 * Durable Objects: GET /auth/mfa, setup, confirm, recovery codes, DELETE.
 */
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { totpCode } from "../../src/mfa/totp";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { bearer, GOOD_PASSWORD, loginBearer, newUser, postJson } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";
import { movableClock, newMfaUser, setupTotp } from "../helpers/mfa";

const clock = movableClock();
const mail = mailbox();
const gw = await testGateway({ LOCKOUT_THRESHOLD: "4" }, { now: clock.now, mailer: mail });

async function status(access: string) {
  const res = await gw.fetch("/auth/mfa", { headers: bearer(access) });
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return res.json<{ totp: boolean; recovery_codes_left: number; passkeys: number }>();
}

function del(access: string, body: unknown) {
  return gw.fetch("/auth/mfa/totp", {
    method: "DELETE",
    headers: { ...bearer(access), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function codeOf(res: Response): Promise<string> {
  return (await res.json<{ code: string }>()).code;
}

describe("GET /auth/mfa", () => {
  it("needs an access token and reports the factors", async () => {
    expect((await gw.fetch("/auth/mfa")).status).toBe(401);
    const s = await newUser(gw, "status");
    expect(await status(s.access)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0 });
  });
});

describe("POST /auth/mfa/totp/setup", () => {
  it("answers a pending secret, its otpauth URL and a QR code; login is unchanged until confirm", async () => {
    const s = await newUser(gw, "setup");
    const res = await postJson(gw, "/auth/mfa/totp/setup", { password: GOOD_PASSWORD }, bearer(s.access));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<{ secret: string; otpauth_url: string; qr_svg: string }>();
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(body.otpauth_url);
    expect(url.protocol).toBe("otpauth:");
    expect(url.host).toBe("totp");
    expect(decodeURIComponent(url.pathname)).toBe(`/gateway.test:${s.email}`);
    expect(url.searchParams.get("secret")).toBe(body.secret);
    expect(url.searchParams.get("issuer")).toBe("gateway.test");
    expect(url.searchParams.get("algorithm")).toBe("SHA1");
    expect(url.searchParams.get("digits")).toBe("6");
    expect(url.searchParams.get("period")).toBe("30");
    expect(body.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(await status(s.access)).toMatchObject({ totp: false });
    expect((await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" })).status).toBe(200);
    // Stored encrypted, never as the secret itself.
    const [row] = await query<{ secret_encrypted: string }>(gw.databaseUrl, "SELECT secret_encrypted FROM user_totp WHERE user_id = $1", [
      Number(decodeJwt(s.access).sub),
    ]);
    expect(row?.secret_encrypted).toMatch(/^v1\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(row?.secret_encrypted).not.toContain(body.secret);
  });

  it("a second setup replaces the pending secret: the first one's code no longer confirms", async () => {
    const s = await newUser(gw, "replace");
    const first = await setupTotp(gw, s.access);
    const second = await setupTotp(gw, s.access);
    expect(second.secret).not.toBe(first.secret);
    const stale = await postJson(gw, "/auth/mfa/totp/confirm", { code: totpCode(first.secret, clock.now()) }, bearer(s.access));
    expect(stale.status).toBe(401);
    expect(await codeOf(stale)).toBe("invalid_code");
    const ok = await postJson(gw, "/auth/mfa/totp/confirm", { code: totpCode(second.secret, clock.now()) }, bearer(s.access));
    expect(ok.status).toBe(200);
  });

  it("a wrong password is 401 invalid_credentials and counts toward the email's lockout", async () => {
    const s = await newUser(gw, "setup-pw");
    for (let i = 0; i < 4; i++) {
      const res = await postJson(gw, "/auth/mfa/totp/setup", { password: "Wrong-Horse-42" }, bearer(s.access));
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe("invalid_credentials");
    }
    const locked = await postJson(gw, "/auth/mfa/totp/setup", { password: GOOD_PASSWORD }, bearer(s.access));
    expect(locked.status).toBe(429);
    expect(await codeOf(locked)).toBe("account_locked");
    expect((await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD })).status).toBe(429);
    expect(await query(gw.databaseUrl, "SELECT 1 FROM user_totp WHERE user_id = $1", [Number(decodeJwt(s.access).sub)])).toHaveLength(0);
  });

  it("is 409 conflict while TOTP is on, and 401 without a token", async () => {
    const u = await newMfaUser(gw, clock, "setup-on");
    const res = await postJson(gw, "/auth/mfa/totp/setup", { password: GOOD_PASSWORD }, bearer(u.access));
    expect(res.status).toBe(409);
    expect(await codeOf(res)).toBe("conflict");
    expect((await postJson(gw, "/auth/mfa/totp/setup", { password: GOOD_PASSWORD })).status).toBe(401);
  });
});

describe("POST /auth/mfa/totp/confirm", () => {
  it("turns TOTP on: 10 recovery codes, other sessions revoked (this one kept), an mfa_enabled mail", async () => {
    const s = await newUser(gw, "confirm");
    const other = await loginBearer(gw, s.email);
    const { secret } = await setupTotp(gw, s.access);
    const res = await postJson(gw, "/auth/mfa/totp/confirm", { code: totpCode(secret, clock.now()) }, bearer(s.access));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { recovery_codes } = await res.json<{ recovery_codes: string[] }>();
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
    for (const code of recovery_codes) expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(await status(s.access)).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0 });
    // The other session: its access token is revoked, its refresh token dead.
    expect((await gw.fetch("/auth/me", { headers: bearer(other.access) })).status).toBe(401);
    expect((await postJson(gw, "/auth/refresh", { refresh_token: other.refresh })).status).toBe(401);
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(200);
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === s.email && m.kind === "mfa_enabled")).toHaveLength(1);
    const stored = await query<{ code_hash: string }>(gw.databaseUrl, "SELECT code_hash FROM user_recovery_codes WHERE user_id = $1", [
      Number(decodeJwt(s.access).sub),
    ]);
    expect(stored).toHaveLength(10);
    for (const r of stored) {
      expect(r.code_hash).toMatch(/^[0-9a-f]{64}$/);
      for (const code of recovery_codes) expect(r.code_hash).not.toContain(code.replaceAll("-", ""));
    }
    clock.nextStep();
  });

  it("is 409 without a pending enrolment, 401 invalid_code for a wrong code", async () => {
    const s = await newUser(gw, "confirm-none");
    const none = await postJson(gw, "/auth/mfa/totp/confirm", { code: "123456" }, bearer(s.access));
    expect(none.status).toBe(409);
    expect(await codeOf(none)).toBe("conflict");
    const { secret } = await setupTotp(gw, s.access);
    const right = totpCode(secret, clock.now());
    const wrong = right === "000000" ? "000001" : "000000";
    const res = await postJson(gw, "/auth/mfa/totp/confirm", { code: wrong }, bearer(s.access));
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("invalid_code");
    expect(await status(s.access)).toMatchObject({ totp: false });
  });

  it("refuses malformed codes with 422 and changes nothing", async () => {
    const s = await newUser(gw, "confirm-bad");
    const { secret } = await setupTotp(gw, s.access);
    const good = totpCode(secret, clock.now());
    const arabic = [...good].map((d) => String.fromCharCode(0x660 + Number(d))).join("");
    const fullwidth = [...good].map((d) => String.fromCharCode(0xff10 + Number(d))).join("");
    for (const code of [good.slice(0, 5), `${good}0`, ` ${good}`, `${good} `, `${good.slice(0, 3)} ${good.slice(3)}`, "12a456", arabic, fullwidth, "", 123456, null]) {
      const res = await postJson(gw, "/auth/mfa/totp/confirm", { code }, bearer(s.access));
      expect(res.status, JSON.stringify(code)).toBe(422);
      expect(await codeOf(res)).toBe("validation_failed");
    }
    expect(await status(s.access)).toMatchObject({ totp: false });
    expect((await postJson(gw, "/auth/mfa/totp/confirm", { code: good }, bearer(s.access))).status).toBe(200);
    clock.nextStep();
  });

  it("two confirms at once: exactly one wins, one set of recovery codes is stored", async () => {
    const s = await newUser(gw, "confirm-race");
    const { secret } = await setupTotp(gw, s.access);
    const code = totpCode(secret, clock.now());
    const results = await Promise.all(
      Array.from({ length: 4 }, () => postJson(gw, "/auth/mfa/totp/confirm", { code }, bearer(s.access))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200) as Response;
    const { recovery_codes } = await winner.json<{ recovery_codes: string[] }>();
    expect(await status(s.access)).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0 });
    const stored = await query(gw.databaseUrl, "SELECT 1 FROM user_recovery_codes WHERE user_id = $1", [Number(decodeJwt(s.access).sub)]);
    expect(stored).toHaveLength(recovery_codes.length);
    clock.nextStep();
  });
});

describe("POST /auth/mfa/recovery-codes", () => {
  it("a TOTP code buys a new set of 10; the old set no longer works", async () => {
    const u = await newMfaUser(gw, clock, "regen");
    const res = await postJson(gw, "/auth/mfa/recovery-codes", { code: totpCode(u.secret, clock.now()) }, bearer(u.access));
    expect(res.status).toBe(200);
    const { recovery_codes } = await res.json<{ recovery_codes: string[] }>();
    expect(recovery_codes).toHaveLength(10);
    expect(recovery_codes.some((c) => u.recoveryCodes.includes(c))).toBe(false);
    clock.nextStep();
    const old = await del(u.access, { password: GOOD_PASSWORD, code: u.recoveryCodes[0] });
    expect(old.status).toBe(401);
    expect(await codeOf(old)).toBe("invalid_code");
    expect((await del(u.access, { password: GOOD_PASSWORD, code: recovery_codes[0] })).status).toBe(204);
  });

  it("a replayed or wrong code is 401 invalid_code; 409 when TOTP is off; malformed is 422", async () => {
    const u = await newMfaUser(gw, clock, "regen-bad");
    const code = totpCode(u.secret, clock.now());
    expect((await postJson(gw, "/auth/mfa/recovery-codes", { code }, bearer(u.access))).status).toBe(200);
    const replay = await postJson(gw, "/auth/mfa/recovery-codes", { code }, bearer(u.access));
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe("invalid_code");
    expect((await postJson(gw, "/auth/mfa/recovery-codes", { code: "12345" }, bearer(u.access))).status).toBe(422);
    const s = await newUser(gw, "regen-off");
    const off = await postJson(gw, "/auth/mfa/recovery-codes", { code: "123456" }, bearer(s.access));
    expect(off.status).toBe(409);
    expect(await codeOf(off)).toBe("conflict");
    clock.nextStep();
  });
});

describe("DELETE /auth/mfa/totp", () => {
  it("turns TOTP off with the password and a TOTP code: codes void, mfa_disabled mail, login single-step again", async () => {
    const u = await newMfaUser(gw, clock, "disable");
    const res = await del(u.access, { password: GOOD_PASSWORD, code: totpCode(u.secret, clock.now()) });
    expect(res.status).toBe(204);
    expect(await status(u.access)).toEqual({ totp: false, recovery_codes_left: 0, passkeys: 0 });
    expect((await postJson(gw, "/auth/login", { email: u.email, password: GOOD_PASSWORD })).status).toBe(200);
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === u.email && m.kind === "mfa_disabled")).toHaveLength(1);
    const again = await del(u.access, { password: GOOD_PASSWORD, code: "123456" });
    expect(again.status).toBe(409);
    clock.nextStep();
  });

  it("refuses a wrong password (invalid_credentials) or a wrong code (invalid_code); malformed is 422", async () => {
    const u = await newMfaUser(gw, clock, "disable-bad");
    const pw = await del(u.access, { password: "Wrong-Horse-42", code: totpCode(u.secret, clock.now()) });
    expect(pw.status).toBe(401);
    expect(await codeOf(pw)).toBe("invalid_credentials");
    const wrong = await del(u.access, { password: GOOD_PASSWORD, code: "zzzz-zzzz-zzzz-zzzz" });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe("invalid_code");
    for (const code of ["12345", "abc", "zzzz-zzzz-zzzz-zzz"]) {
      expect((await del(u.access, { password: GOOD_PASSWORD, code })).status).toBe(422);
    }
    expect(await status(u.access)).toMatchObject({ totp: true, recovery_codes_left: 10 });
    // A recovery code works too, case and dashes aside, and its use is mailed like every other.
    const rc = (u.recoveryCodes[3] as string).toUpperCase().replaceAll("-", "");
    expect((await del(u.access, { password: GOOD_PASSWORD, code: rc })).status).toBe(204);
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === u.email && m.kind === "recovery_code_used")).toHaveLength(1);
    expect(mail.messages.filter((m) => m.to === u.email && m.kind === "mfa_disabled")).toHaveLength(1);
  });
});
