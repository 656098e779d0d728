/** Enrols test users in TOTP through the real endpoints, with a movable clock. */
import { totpCode } from "../../src/mfa/totp";
import type { TestGateway } from "./gateway";
import { bearer, newUser, postJson, GOOD_PASSWORD } from "./http";

/** A clock the gateway reads (deps.now); tests move it a step at a time. */
export function movableClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    /** Moves to the start of the next 30 s TOTP step, so the next code is fresh. */
    nextStep() {
      now = (Math.floor(now / 30000) + 1) * 30000 + 1000;
    },
  };
}

export interface MfaUser {
  email: string;
  access: string;
  refresh: string;
  secret: string;
  recoveryCodes: string[];
}

export async function setupTotp(gw: TestGateway, access: string, password = GOOD_PASSWORD): Promise<{ secret: string; otpauth_url: string; qr_svg: string }> {
  const res = await postJson(gw, "/auth/mfa/totp/setup", { password }, bearer(access));
  if (res.status !== 200) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Registers, logs in, and turns TOTP on (the access token stays a ["pwd"] session). */
export async function newMfaUser(gw: TestGateway, clock: { now(): number; nextStep(): void }, tag = "mfa"): Promise<MfaUser> {
  const s = await newUser(gw, tag);
  const { secret } = await setupTotp(gw, s.access);
  const res = await postJson(gw, "/auth/mfa/totp/confirm", { code: totpCode(secret, clock.now()) }, bearer(s.access));
  if (res.status !== 200) throw new Error(`confirm failed: ${res.status} ${await res.text()}`);
  const { recovery_codes } = await res.json<{ recovery_codes: string[] }>();
  clock.nextStep(); // the confirm spent this step's code
  return { email: s.email, access: s.access, refresh: s.refresh, secret, recoveryCodes: recovery_codes };
}

/** A password login of a TOTP user: the 401 mfa_required answer's token. */
export async function mfaToken(gw: TestGateway, email: string, transport: "bearer" | "cookie" = "bearer"): Promise<string> {
  const res = await postJson(gw, "/auth/login", { email, password: GOOD_PASSWORD, transport });
  if (res.status !== 401) throw new Error(`expected mfa_required: ${res.status} ${await res.text()}`);
  const body = await res.json<{ code: string; mfa_token: string }>();
  if (body.code !== "mfa_required") throw new Error(`expected mfa_required: ${JSON.stringify(body)}`);
  return body.mfa_token;
}
