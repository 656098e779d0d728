/**
 * Recovery codes: 10 a set, each 80 random bits shown as
 * `xxxx-xxxx-xxxx-xxxx` (lower-case base32, no 0/1/8/9 to misread). Only a
 * SHA-256 hash bound to the user is stored; 80 bits make an offline search of
 * a leaked hash hopeless, so a slow hash adds nothing. Input is read
 * case-insensitively, with or without the dashes.
 *
 * @example
 * const codes = newRecoveryCodes();            // ["k3v7-...", ...]
 * const hash = await recoveryCodeHash(42, codes[0]);
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const INPUT_RE = /^[A-Za-z2-7]{4}(-?[A-Za-z2-7]{4}){3}$/;

function oneCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)?.join("-") ?? out;
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(oneCode());
  return [...codes];
}

/** The canonical form of a typed code (lower case, no dashes), or undefined when it cannot be one. */
export function normaliseRecoveryCode(input: string): string | undefined {
  if (!INPUT_RE.test(input)) return undefined;
  return input.replaceAll("-", "").toLowerCase();
}

export async function recoveryCodeHash(userId: number, code: string): Promise<string> {
  const canonical = normaliseRecoveryCode(code) ?? code;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`recovery:${userId}:${canonical}`));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
