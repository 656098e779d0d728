/**
 * DELETE /auth/me of an account with TOTP on, through the real app, KV,
 * Durable Objects and Postgres: the code is required (a TOTP or a recovery
 * code), wrong codes count toward the email's lockout, the erasure removes
 * every factor and token, and two deletions at once leave one outcome.
 */
import { describe, expect, it } from "vitest";
import { totpCode } from "../../src/mfa/totp";
import { userId } from "../helpers/admin";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { bearer, GOOD_PASSWORD, nextIp, ORIGIN, postJson, uniqueEmail } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";
import { movableClock, newMfaUser, type MfaUser } from "../helpers/mfa";

const clock = movableClock();
const mail = mailbox();
const gw = await testGateway({ LOCKOUT_THRESHOLD: "3" }, { now: clock.now, mailer: mail });

function send(method: string, path: string, access: string, body: unknown): Promise<Response> {
  return gw.fetch(path, {
    method,
    headers: { ...bearer(access), "content-type": "application/json", origin: ORIGIN, "cf-connecting-ip": nextIp() },
    body: JSON.stringify(body),
  });
}

const deleteMe = (u: MfaUser, body: Record<string, unknown>) => send("DELETE", "/auth/me", u.access, body);

async function codeOf(res: Response): Promise<string> {
  return (await res.json<{ code: string }>()).code;
}

/** A six-digit code that is not the current one (nor its neighbours). */
function wrongTotp(secret: string): string {
  const near = new Set([-30000, 0, 30000].map((d) => totpCode(secret, clock.now() + d)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, "0");
    if (!near.has(candidate)) return candidate;
  }
}

async function status(id: string): Promise<{ account_status: string; totp_enabled: boolean }> {
  const [row] = await query<{ account_status: string; totp_enabled: boolean }>(
    gw.databaseUrl,
    "SELECT account_status, totp_enabled FROM users WHERE id = $1",
    [id],
  );
  if (!row) throw new Error(`no user ${id}`);
  return row;
}

/** How many rows of each table still belong to the user. */
async function leftovers(id: string): Promise<Record<string, number>> {
  const [row] = await query<Record<string, number>>(
    gw.databaseUrl,
    `SELECT (SELECT count(*) FROM user_totp WHERE user_id = $1)::int AS user_totp,
            (SELECT count(*) FROM user_recovery_codes WHERE user_id = $1)::int AS user_recovery_codes,
            (SELECT count(*) FROM mfa_challenges WHERE user_id = $1)::int AS mfa_challenges,
            (SELECT count(*) FROM passkeys WHERE user_id = $1)::int AS passkeys,
            (SELECT count(*) FROM auth_tokens WHERE user_id = $1)::int AS auth_tokens,
            (SELECT count(*) FROM email_changes WHERE user_id = $1)::int AS email_changes`,
    [id],
  );
  return row ?? {};
}

async function audits(id: string, type: string): Promise<number> {
  const rows = await query(gw.databaseUrl, "SELECT id FROM auth_events WHERE event_type = $1 AND user_id = $2", [type, id]);
  return rows.length;
}

describe("DELETE /auth/me with TOTP on", () => {
  it("refuses a missing or wrong code with 401 invalid_code and a malformed one with 422, erasing nothing", async () => {
    const u = await newMfaUser(gw, clock, "keep");
    const id = await userId(gw, u.email);
    const missing = await deleteMe(u, { password: GOOD_PASSWORD });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect(await codeOf(missing)).toBe("invalid_code");
    const wrong = await deleteMe(u, { password: GOOD_PASSWORD, code: wrongTotp(u.secret) });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe("invalid_code");
    const unknownRecovery = await deleteMe(u, { password: GOOD_PASSWORD, code: "abcd-efgh-ijkl-mnop" });
    expect(await codeOf(unknownRecovery)).toBe("invalid_code");
    for (const bad of ["12345", "1234567", "not a code", 123456]) {
      const res = await deleteMe(u, { password: GOOD_PASSWORD, code: bad });
      expect(res.status).toBe(422);
      expect(await codeOf(res)).toBe("validation_failed");
    }
    // A wrong password is still invalid_credentials, even with the right code.
    const badPassword = await deleteMe(u, { password: "Wrong-Password-1", code: totpCode(u.secret, clock.now()) });
    expect(await codeOf(badPassword)).toBe("invalid_credentials");
    await gw.settle();
    expect(await status(id)).toEqual({ account_status: "active", totp_enabled: true });
    expect((await leftovers(id)).user_totp).toBe(1);
    expect((await leftovers(id)).user_recovery_codes).toBe(10);
    expect((await gw.fetch("/auth/me", { headers: bearer(u.access) })).status).toBe(200);
    expect(await audits(id, "mfa_code_failed")).toBe(2);
  });

  it("erases with the right TOTP code: factors, passkeys, challenges, tokens and pending changes all gone", async () => {
    const u = await newMfaUser(gw, clock, "erase-totp");
    const id = await userId(gw, u.email);
    // Something in every table the erasure must empty.
    await query(
      gw.databaseUrl,
      "INSERT INTO passkeys (user_id, credential_id, public_key, name) VALUES ($1, $2, 'pk', 'Test key')",
      [id, `cred-${id}`],
    );
    expect((await postJson(gw, "/auth/login", { email: u.email, password: GOOD_PASSWORD, transport: "bearer" })).status).toBe(401);
    expect((await postJson(gw, "/auth/password/forgot", { email: u.email }, { "cf-connecting-ip": nextIp() })).status).toBe(202);
    const change = await send("POST", "/auth/email/change", u.access, { new_email: uniqueEmail("elsewhere"), password: GOOD_PASSWORD });
    expect(change.status).toBe(202);
    await gw.settle();
    const before = await leftovers(id);
    for (const table of Object.keys(before)) expect(before[table], table).toBeGreaterThan(0);

    const ok = await deleteMe(u, { password: GOOD_PASSWORD, code: totpCode(u.secret, clock.now()) });
    expect(ok.status).toBe(204);
    await gw.settle();
    expect(await status(id)).toEqual({ account_status: "deleted", totp_enabled: false });
    expect(await leftovers(id)).toEqual({
      user_totp: 0,
      user_recovery_codes: 0,
      mfa_challenges: 0,
      passkeys: 0,
      auth_tokens: 0,
      email_changes: 0,
    });
    expect(await audits(id, "account_deleted")).toBe(1);
    expect((await gw.fetch("/auth/me", { headers: bearer(u.access) })).status).toBe(401);
    clock.nextStep();
  });

  it("erases with a recovery code (any case, with or without dashes) and sends recovery_code_used", async () => {
    const u = await newMfaUser(gw, clock, "erase-recovery");
    const id = await userId(gw, u.email);
    const code = (u.recoveryCodes[3] ?? "").replaceAll("-", "").toUpperCase();
    const ok = await deleteMe(u, { password: GOOD_PASSWORD, code });
    expect(ok.status).toBe(204);
    await gw.settle();
    expect(await status(id)).toEqual({ account_status: "deleted", totp_enabled: false });
    expect(await leftovers(id)).toMatchObject({ user_totp: 0, user_recovery_codes: 0 });
    expect(mail.messages.some((m) => m.kind === "recovery_code_used" && m.to === u.email)).toBe(true);
  });

  it("refuses a TOTP code already spent (replay)", async () => {
    const u = await newMfaUser(gw, clock, "replay");
    const id = await userId(gw, u.email);
    const code = totpCode(u.secret, clock.now());
    // Spend this step's code on another endpoint first.
    const regen = await postJson(gw, "/auth/mfa/recovery-codes", { code }, bearer(u.access));
    expect(regen.status).toBe(200);
    const replay = await deleteMe(u, { password: GOOD_PASSWORD, code });
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe("invalid_code");
    expect((await status(id)).account_status).toBe("active");
    clock.nextStep();
  });

  it("counts wrong codes toward the email's lockout: then even the right code is 429 and nothing is erased", async () => {
    const u = await newMfaUser(gw, clock, "guesser");
    const id = await userId(gw, u.email);
    for (let i = 0; i < 3; i++) {
      const res = await deleteMe(u, { password: GOOD_PASSWORD, code: wrongTotp(u.secret) });
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe("invalid_code");
    }
    const locked = await deleteMe(u, { password: GOOD_PASSWORD, code: totpCode(u.secret, clock.now()) });
    expect(locked.status).toBe(429);
    expect(await codeOf(locked)).toBe("account_locked");
    expect(locked.headers.get("retry-after")).not.toBeNull();
    expect((await status(id)).account_status).toBe("active");
  });

  it("wrong codes fired all at once lock the email after exactly the threshold", async () => {
    const u = await newMfaUser(gw, clock, "burst");
    const id = await userId(gw, u.email);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => deleteMe(u, { password: GOOD_PASSWORD, code: wrongTotp(u.secret) })),
    );
    const codes = await Promise.all(answers.map(codeOf));
    expect(codes.filter((c) => c === "invalid_code")).toHaveLength(3);
    expect(codes.filter((c) => c === "account_locked")).toHaveLength(5);
    expect((await status(id)).account_status).toBe("active");
  });

  it("a right password elsewhere does not wipe the count of wrong codes", async () => {
    const u = await newMfaUser(gw, clock, "wiper");
    for (let i = 0; i < 2; i++) {
      expect(await codeOf(await deleteMe(u, { password: GOOD_PASSWORD, code: wrongTotp(u.secret) }))).toBe("invalid_code");
    }
    const change = await send("POST", "/auth/email/change", u.access, { new_email: uniqueEmail("wipe"), password: GOOD_PASSWORD });
    expect(change.status).toBe(202);
    await gw.settle();
    expect(await codeOf(await deleteMe(u, { password: GOOD_PASSWORD, code: wrongTotp(u.secret) }))).toBe("invalid_code");
    const locked = await deleteMe(u, { password: GOOD_PASSWORD, code: totpCode(u.secret, clock.now()) });
    expect(locked.status).toBe(429);
  });

  it("sweeps what a request racing the erasure wrote just after it", async () => {
    const u = await newMfaUser(gw, clock, "late-writes");
    const id = await userId(gw, u.email);
    const ok = await deleteMe(u, { password: GOOD_PASSWORD, code: totpCode(u.secret, clock.now()) });
    expect(ok.status).toBe(204);
    // As a racing email change, TOTP setup and passkey registration would, right after the erasure.
    await query(
      gw.databaseUrl,
      `WITH a AS (INSERT INTO email_changes (user_id, token_hash, new_email, expires_at)
                  VALUES ($1, $2, 'late@example.com', now() + interval '30 minutes') RETURNING id),
            b AS (INSERT INTO user_totp (user_id, secret_encrypted) VALUES ($1, 'sealed') RETURNING user_id),
            c AS (INSERT INTO passkeys (user_id, credential_id, public_key, name) VALUES ($1, $3, 'pk', 'Late') RETURNING id)
       SELECT 1`,
      [id, `late-${id}`, `late-cred-${id}`],
    );
    await gw.settle();
    expect(await leftovers(id)).toMatchObject({ email_changes: 0, user_totp: 0, passkeys: 0, auth_tokens: 0 });
    clock.nextStep();
  });

  it("two deletions at once with the same code: one 204, one clean 401, erased once", async () => {
    const u = await newMfaUser(gw, clock, "twice");
    const id = await userId(gw, u.email);
    const code = totpCode(u.secret, clock.now());
    const both = await Promise.all([0, 1].map(() => deleteMe(u, { password: GOOD_PASSWORD, code })));
    const statuses = both.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 401]);
    const refused = both.find((r) => r.status === 401) as Response;
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(["invalid_code", "invalid_token", "token_revoked"]).toContain(await codeOf(refused));
    await gw.settle();
    expect(await status(id)).toEqual({ account_status: "deleted", totp_enabled: false });
    expect(await leftovers(id)).toMatchObject({ user_totp: 0, user_recovery_codes: 0, auth_tokens: 0 });
    expect(await audits(id, "account_deleted")).toBe(1);
    const [row] = await query<{ email: string; password_hash: string | null }>(
      gw.databaseUrl,
      "SELECT email, password_hash FROM users WHERE id = $1",
      [id],
    );
    expect(row).toEqual({ email: `deleted-${id}@deleted.invalid`, password_hash: null });
    clock.nextStep();
  });
});
