/**
 * RFC 8176 authentication method references of a session (`amr`): how the
 * person proved who they are when the session started. A refresh keeps them.
 * A session "has MFA" when its `amr` holds `"mfa"`.
 *
 * @example
 * startSession(db, config, userId, now, client, AMR_PASSWORD_OTP);
 * hasMfa(principal.amr); // true
 */

/** A password login. */
export const AMR_PASSWORD: readonly string[] = Object.freeze(["pwd"]);
/** A password and a TOTP or recovery code. */
export const AMR_PASSWORD_OTP: readonly string[] = Object.freeze(["pwd", "otp", "mfa"]);
/** A passkey (hardware-bound key with user verification). */
export const AMR_PASSKEY: readonly string[] = Object.freeze(["hwk", "mfa"]);

const AMR_VALUE_RE = /^[a-z]{2,16}$/;

/** The stored or claimed methods, with a missing or malformed value read as a password login. */
export function normaliseAmr(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 8) return [...AMR_PASSWORD];
  if (!value.every((v) => typeof v === "string" && AMR_VALUE_RE.test(v))) return [...AMR_PASSWORD];
  return [...(value as string[])];
}

export function hasMfa(amr: readonly string[]): boolean {
  return amr.includes("mfa");
}
