/**
 * The MFA building blocks: RFC 6238 vectors, the drift window, code formats,
 * the secret box (AES-GCM with key ids and rotation) and recovery codes.
 */
import { describe, expect, it } from "vitest";
import { readEitherCode, requireRecoveryCode, requireTotpCode } from "../../src/mfa/codes";
import { newRecoveryCodes, normaliseRecoveryCode, recoveryCodeHash } from "../../src/mfa/recovery-codes";
import { createSecretBox } from "../../src/mfa/secret-box";
import { matchTotp, newTotpSecret, otpauthUrl, totpCode, totpStep } from "../../src/mfa/totp";
import { GatewayError } from "../../src/errors";

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890"; 6-digit codes
// are the last six digits of the RFC's 8-digit values.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: Array<[number, string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];
const KEY_A = "4f1c0a9e3b5d48e2a6c4f0b19d2e7a3c5b8f1d0e4a7c2b9f6e3d1a0c8b5f2e7d";
const KEY_B = "9d2e7a3c5b8f1d0e4a7c2b9f6e3d1a0c8b5f2e7d4f1c0a9e3b5d48e2a6c4f0b1";

function refused(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof GatewayError ? err.code : "other";
  }
  return undefined;
}

describe("TOTP (RFC 6238, SHA-1, 6 digits, 30 s)", () => {
  it("matches the RFC 6238 test vectors", () => {
    for (const [seconds, eight] of RFC_VECTORS) {
      expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(eight.slice(2));
      expect(matchTotp(RFC_SECRET, eight.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
    }
  });

  it("accepts one step of drift either side and answers the matched step, not two", () => {
    const now = 1_800_000_015_000;
    const step = totpStep(now);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now), now)).toBe(step);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now)).toBe(step + 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 60_000), now)).toBeNull();
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 60_000), now)).toBeNull();
  });

  it("replay is refused by step: the same code maps to the same step, never a newer one", () => {
    const now = 1_800_000_015_000;
    const code = totpCode(RFC_SECRET, now);
    const first = matchTotp(RFC_SECRET, code, now) as number;
    // 29 s later the same code still matches, at the same step, which the store refuses (<= last used).
    expect(matchTotp(RFC_SECRET, code, now + 29_000)).toBe(first);
    expect(matchTotp(RFC_SECRET, code, now + 29_000) as number > first).toBe(false);
  });

  it("never matches a malformed code", () => {
    const now = 59_000;
    for (const bad of ["28708", "2870820", " 287082", "287082 ", "28 7082", "２８７０８２", "٢٨٧٠٨٢", "28708a", ""]) {
      expect(matchTotp(RFC_SECRET, bad, now), bad).toBeNull();
    }
  });

  it("makes 160-bit base32 secrets and otpauth URLs authenticator apps read", () => {
    const s = newTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(s);
    const url = new URL(otpauthUrl(s, "ana@example.com", "auth.example.com"));
    expect(url.protocol).toBe("otpauth:");
    expect(decodeURIComponent(url.pathname)).toBe("/auth.example.com:ana@example.com");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      issuer: "auth.example.com",
      secret: s,
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
  });
});

describe("code formats", () => {
  it("a TOTP code is exactly six ASCII digits", () => {
    expect(requireTotpCode("012345")).toBe("012345");
    for (const bad of ["12345", "1234567", "12a456", " 123456", "123 456", "１２３４５６", "١٢٣٤٥٦", "12345\n"]) {
      expect(refused(() => requireTotpCode(bad)), bad).toBe("validation_failed");
    }
  });

  it("a recovery code is read case-insensitively with or without dashes", () => {
    expect(requireRecoveryCode("ABCD-efgh-2345-6723")).toBe("abcdefgh23456723");
    expect(requireRecoveryCode("abcdefgh23456723")).toBe("abcdefgh23456723");
    for (const bad of ["abcd-efgh-2345", "abcd-efgh-2345-67231", "abcd efgh 2345 6723", "abcd-efgh-2345-6781", "ábcd-efgh-2345-6723"]) {
      expect(refused(() => requireRecoveryCode(bad)), bad).toBe("validation_failed");
    }
  });

  it("a field taking either kind is decided by its shape", () => {
    expect(readEitherCode("123456")).toEqual({ kind: "totp", code: "123456" });
    expect(readEitherCode("abcd-efgh-2345-6723")).toEqual({ kind: "recovery", code: "abcdefgh23456723" });
    expect(refused(() => readEitherCode("12345"))).toBe("validation_failed");
  });
});

describe("recovery codes", () => {
  it("makes 10 distinct 80-bit codes in groups of four", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) {
      expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
      expect(normaliseRecoveryCode(c)).toBe(c.replaceAll("-", ""));
    }
  });

  it("hashes bound to the user, equal for every spelling of one code", async () => {
    const h = await recoveryCodeHash(42, "abcd-efgh-2345-6723");
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(await recoveryCodeHash(42, "ABCDEFGH23456723")).toBe(h);
    expect(await recoveryCodeHash(43, "abcd-efgh-2345-6723")).not.toBe(h);
  });
});

describe("secret box (AES-256-GCM, key ids, rotation)", () => {
  it("seals with a fresh IV under the current key's id, and opens only with the same additional data", async () => {
    const box = createSecretBox(KEY_A);
    const a = await box.seal("JBSWY3DPEHPK3PXP", "totp:1");
    const b = await box.seal("JBSWY3DPEHPK3PXP", "totp:1");
    expect(a).not.toBe(b);
    expect(a).not.toContain("JBSWY3DPEHPK3PXP");
    expect(a.split(".")[1]).toBe(b.split(".")[1]);
    expect(await box.open(a, "totp:1")).toEqual({ plaintext: "JBSWY3DPEHPK3PXP", stale: false });
    await expect(box.open(a, "totp:2")).rejects.toThrow();
    const [v, kid, iv, ct] = a.split(".") as [string, string, string, string];
    const flipped = `${v}.${kid}.${iv}.${ct.slice(0, -2)}${ct.endsWith("A") ? "B" : "A"}${ct.slice(-1)}`;
    await expect(box.open(flipped, "totp:1")).rejects.toThrow();
    await expect(box.open("v2.x.y.z", "totp:1")).rejects.toThrow();
    await expect(box.open(`${v}.${kid}.!!.${ct}`, "totp:1")).rejects.toThrow();
  });

  it("opens secrets sealed under a previous key (stale) and refuses unknown keys", async () => {
    const old = await createSecretBox(KEY_A).seal("SECRET", "totp:7");
    const rotated = createSecretBox(KEY_B, [KEY_A]);
    expect(await rotated.open(old, "totp:7")).toEqual({ plaintext: "SECRET", stale: true });
    const resealed = await rotated.seal("SECRET", "totp:7");
    expect(resealed.split(".")[1]).not.toBe(old.split(".")[1]);
    expect(await createSecretBox(KEY_B).open(resealed, "totp:7")).toEqual({ plaintext: "SECRET", stale: false });
    await expect(createSecretBox(KEY_B).open(old, "totp:7")).rejects.toThrow("unknown key");
  });
});
