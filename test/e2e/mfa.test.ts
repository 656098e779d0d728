// MFA end to end through `npm run dev` and the FastAPI example, with codes
// computed as an authenticator app does (otpauth, from the otpauth:// URL the
// gateway returns): enrolment, the 401 mfa_required login step, finishing it
// with a TOTP code (bearer) and a recovery code (cookies), and MFA_PATHS plus
// FastAPI's require_mfa seeing the session's amr.
import { Secret, TOTP, URI } from "otpauth";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, registerAndLogin, strongPassword, uniqueEmail, type BearerSession } from "./helpers/client";
import { startStack, type Stack } from "./helpers/stack";

const ip = ipAllocator();
let stack: Stack;
let email: string;
let password: string;
let first: BearerSession;

/** What an authenticator app shows `offsetSteps` steps from now, from the otpauth:// URL alone. */
function appCode(otpauthUrl: string, offsetSteps = 0): string {
  const totp = URI.parse(otpauthUrl) as TOTP;
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

async function fastapiCount(path: string): Promise<number> {
  await stack.settleFastapiLog();
  return stack.fastapiRequests().filter((r) => r.path.split("?")[0] === path).length;
}

beforeAll(async () => {
  stack = await startStack({ adminDatabaseUrl: inject("e2eAdminDatabaseUrl"), name: "mfa", env: { MFA_PATHS: "/api/headers" } });
  email = uniqueEmail("mfa");
  password = strongPassword();
  first = await registerAndLogin(stack.gatewayUrl, email, password, ip(1));
});

afterAll(async () => {
  await stack?.stop();
});

describe("MFA through npm run dev and FastAPI", () => {
  let otpauthUrl: string;
  let recoveryCodes: string[];

  it("a password session is refused at MFA_PATHS (gateway) and by require_mfa (FastAPI)", async () => {
    const auth = { authorization: `Bearer ${first.access_token}`, "cf-connecting-ip": ip(2) };
    const before = await fastapiCount("/api/headers");
    const edge = await call(stack.gatewayUrl, "GET", "/api/headers", { headers: auth });
    expect(edge.status).toBe(403);
    expect(edge.body.code).toBe("mfa_required");
    expect(await fastapiCount("/api/headers")).toBe(before);
    const app = await call(stack.gatewayUrl, "GET", "/api/secure", { headers: auth });
    expect(app.status).toBe(403);
    expect(app.body).toEqual({ detail: "mfa_required" });
    const me = await call(stack.gatewayUrl, "GET", "/api/me", { headers: auth });
    expect(me.body.amr).toEqual(["pwd"]);
  });

  it("enrols with a code computed from the otpauth:// URL, and gets 10 recovery codes", async () => {
    const auth = { authorization: `Bearer ${first.access_token}`, "cf-connecting-ip": ip(3) };
    const setup = await call(stack.gatewayUrl, "POST", "/auth/mfa/totp/setup", { json: { password }, headers: auth });
    expect(setup.status).toBe(200);
    otpauthUrl = setup.body.otpauth_url;
    expect((URI.parse(otpauthUrl) as TOTP).secret.base32).toBe(Secret.fromBase32(setup.body.secret).base32);
    expect(setup.body.qr_svg).toContain("<svg");
    const confirm = await call(stack.gatewayUrl, "POST", "/auth/mfa/totp/confirm", { json: { code: appCode(otpauthUrl) }, headers: auth });
    expect(confirm.status).toBe(200);
    recoveryCodes = confirm.body.recovery_codes;
    expect(recoveryCodes).toHaveLength(10);
    const status = await call(stack.gatewayUrl, "GET", "/auth/mfa", { headers: auth });
    expect(status.body).toEqual({ totp: true, recovery_codes_left: 10, passkeys: 0 });
  });

  it("a password login answers 401 mfa_required; a TOTP code finishes it (bearer), with amr up to FastAPI", async () => {
    const step1 = await call(stack.gatewayUrl, "POST", "/auth/login", {
      json: { email, password, transport: "bearer" },
      headers: { "cf-connecting-ip": ip(4) },
    });
    expect(step1.status).toBe(401);
    expect(step1.body.code).toBe("mfa_required");
    expect(step1.body.methods).toEqual(["totp", "recovery_code"]);
    // The confirm spent this step's code: an app would show the next one 30 s later
    // (one step of drift is accepted, so it is sent now).
    const replay = await call(stack.gatewayUrl, "POST", "/auth/login/mfa", {
      json: { mfa_token: step1.body.mfa_token, code: appCode(otpauthUrl, -1) },
      headers: { "cf-connecting-ip": ip(4) },
    });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("invalid_code");
    const step2 = await call<BearerSession>(stack.gatewayUrl, "POST", "/auth/login/mfa", {
      json: { mfa_token: step1.body.mfa_token, code: appCode(otpauthUrl, 1) },
      headers: { "cf-connecting-ip": ip(4) },
    });
    expect(step2.status).toBe(200);
    const auth = { authorization: `Bearer ${step2.body.access_token}`, "cf-connecting-ip": ip(5) };
    const headers = await call(stack.gatewayUrl, "GET", "/api/headers", { headers: auth });
    expect(headers.status).toBe(200);
    expect(headers.body.headers["x-auth-amr"]).toBe("pwd,otp,mfa");
    const secure = await call(stack.gatewayUrl, "GET", "/api/secure", { headers: auth });
    expect(secure.status).toBe(200);
    expect(secure.body.amr).toEqual(["pwd", "otp", "mfa"]);
    // A refresh keeps the session's amr.
    const refreshed = await call<BearerSession>(stack.gatewayUrl, "POST", "/auth/refresh", {
      json: { refresh_token: step2.body.refresh_token },
      headers: { "cf-connecting-ip": ip(5) },
    });
    const again = await call(stack.gatewayUrl, "GET", "/api/secure", {
      headers: { authorization: `Bearer ${refreshed.body.access_token}`, "cf-connecting-ip": ip(5) },
    });
    expect(again.body.amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("a recovery code finishes a cookie login once", async () => {
    const origin = stack.gatewayUrl;
    const step1 = await call(stack.gatewayUrl, "POST", "/auth/login", { json: { email, password }, headers: { origin, "cf-connecting-ip": ip(6) } });
    expect(step1.status).toBe(401);
    expect(step1.headers.getSetCookie()).toEqual([]);
    const step2 = await call(stack.gatewayUrl, "POST", "/auth/login/mfa", {
      json: { mfa_token: step1.body.mfa_token, recovery_code: recoveryCodes[0] },
      headers: { origin, "cf-connecting-ip": ip(6) },
    });
    expect(step2.status).toBe(200);
    expect(step2.headers.getSetCookie().some((c) => c.startsWith("access="))).toBe(true);
    expect(step2.body.access_token).toBeUndefined();
    const step1b = await call(stack.gatewayUrl, "POST", "/auth/login", { json: { email, password }, headers: { origin, "cf-connecting-ip": ip(7) } });
    const reused = await call(stack.gatewayUrl, "POST", "/auth/login/mfa", {
      json: { mfa_token: step1b.body.mfa_token, recovery_code: recoveryCodes[0] },
      headers: { origin, "cf-connecting-ip": ip(7) },
    });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe("invalid_code");
  });
});
