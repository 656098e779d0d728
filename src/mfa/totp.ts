/**
 * TOTP (RFC 6238) as every authenticator app expects it: SHA-1, 6 digits,
 * 30 s steps, a 160-bit secret shown in base32. Built on `otpauth` (its
 * `slim` entry shares the project's `@noble/hashes`); the comparison of codes
 * is otpauth's constant-time one.
 *
 * Verification accepts one step of clock drift either side and answers the
 * matched step, so that the caller can refuse a step already used (a code is
 * accepted once: see `useTotpStep` in src/db/repositories/mfa.ts).
 *
 * @example
 * const secret = newTotpSecret();
 * const url = otpauthUrl(secret, "ana@example.com", "auth.example.com");
 * const step = matchTotp(secret, "123456", Date.now()); // number | null
 */
import { Secret, TOTP } from "otpauth/slim";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps of drift accepted either side of the current one. */
export const TOTP_WINDOW = 1;
const SECRET_BYTES = 20;
/** Exactly six ASCII digits: letters, whitespace, other lengths and non-ASCII digits are not a code. */
export const TOTP_CODE_RE = /^[0-9]{6}$/;

/** A new random secret, base32 (what the user types or scans). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

function totp(secretBase32: string, label = "account", issuer = ""): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://totp/Issuer:label?secret=...&issuer=...` URL authenticator apps read. */
export function otpauthUrl(secretBase32: string, label: string, issuer: string): string {
  return totp(secretBase32, label, issuer).toString();
}

/** The 30 s step a time falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of the step holding `nowMs` (tests, and the README's walkthrough). */
export function totpCode(secretBase32: string, nowMs: number): string {
  return totp(secretBase32).generate({ timestamp: nowMs });
}

/** The step whose code `code` is, within the drift window around `nowMs`; null when none. */
export function matchTotp(secretBase32: string, code: string, nowMs: number): number | null {
  if (!TOTP_CODE_RE.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? null : totpStep(nowMs) + delta;
}
