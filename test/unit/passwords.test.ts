/**
 * Unit tests for src/auth/passwords: the policy rules one by one, NFKC,
 * the common list, and the hasher (format, 72-byte trap, rotation, legacy
 * bcrypt, unknown users). bcrypt runs at cost 4 except in one test at 12.
 */
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import {
  HASH_PREFIX,
  assertPasswordPolicy,
  commonPasswords,
  createPasswordHasher,
  isCommonPassword,
  normalizePassword,
  pepperId,
} from "../../src/auth/passwords";
import COMMON_PASSWORDS_FILE from "../../src/auth/passwords/common-passwords.txt";
import { GatewayError } from "../../src/errors";

const PEPPER = "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe";
const OLD_PEPPER = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const EMAIL = "alice.smith1@example.com";
const GW1_RE = /^\$gw1\$hmac-sha256\$([0-9a-f]{8})\$(\$2b\$(\d\d)\$[./A-Za-z0-9]{53})$/;

function hasher(cost = 4, pepper = PEPPER, previousPeppers: string[] = []) {
  return createPasswordHasher({ pepper, previousPeppers, cost });
}

/** Runs `fn`, expects a `weak_password` GatewayError, and returns it. */
function weak(fn: () => unknown, field = "password"): GatewayError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GatewayError);
  const err = caught as GatewayError;
  expect(err.code).toBe("weak_password");
  expect(err.status).toBe(422);
  expect(err.errors).toHaveLength(1);
  expect(err.errors?.[0]?.field).toBe(field);
  expect(err.errors?.[0]?.message).toBe(err.detail);
  return err;
}

function policy(password: string, email = EMAIL): GatewayError {
  return weak(() => assertPasswordPolicy(normalizePassword(password, "password"), email, "password"));
}

function accepts(password: string, email = EMAIL): void {
  expect(() => assertPasswordPolicy(normalizePassword(password, "password"), email, "password")).not.toThrow();
}

async function hmacBase64(pepper: string, password: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(pepper), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(password)));
  return btoa(String.fromCharCode(...mac));
}

describe("normalizePassword", () => {
  it("returns the NFKC form (full-width letters become ASCII)", () => {
    expect(normalizePassword("ｐａｓｓｗｏｒｄ", "password")).toBe("password");
    expect(normalizePassword("Ｐａｓｓ－１２３", "password")).toBe("Pass-123");
    expect(normalizePassword("plain-Ascii-1", "password")).toBe("plain-Ascii-1");
  });

  it("refuses a lone surrogate, naming well-formed Unicode", () => {
    const err = weak(() => normalizePassword("Abcdefg1\uD800xyz", "new_password"), "new_password");
    expect(err.detail).toMatch(/well-formed Unicode/);
    expect(weak(() => normalizePassword("\uDC00Abcdefg1!", "password")).detail).toMatch(/well-formed/);
  });

  it("refuses NUL", () => {
    expect(weak(() => normalizePassword("Abcdefg1!\u0000tail", "password")).detail).toMatch(/NUL/);
  });

  it("refuses absurdly long input before normalising it", () => {
    const huge = "\uFDFA".repeat(1024 * 1024); // would expand 18x under NFKC
    const started = performance.now();
    expect(weak(() => normalizePassword(huge, "password")).detail).toMatch(/at most 256/);
    expect(performance.now() - started).toBeLessThan(50);
    expect(weak(() => normalizePassword("a".repeat(1025), "password")).detail).toMatch(/at most 256/);
    expect(normalizePassword("a".repeat(1024), "password")).toHaveLength(1024);
  });
});

describe("assertPasswordPolicy", () => {
  it("rule 1: at least 8 code points", () => {
    expect(policy("Ab1!xyz").detail).toMatch(/at least 8 characters/);
    // 7 astral code points are 14 UTF-16 units and still too short.
    expect(policy("\u{20000}".repeat(7)).detail).toMatch(/at least 8 characters/);
    accepts("Ab1!xyzw");
  });

  it("rule 1: at most 256 code points, counted after NFKC", () => {
    accepts("\u{20000}".repeat(256)); // 512 UTF-16 units, 256 code points
    expect(policy("\u{20000}".repeat(257)).detail).toMatch(/at most 256 characters/);
    expect(policy("Ab1!".repeat(65)).detail).toMatch(/at most 256 characters/);
    // 15 code points raw, 270 after NFKC expansion.
    const expanding = "\uFDFA".repeat(15);
    expect([...expanding]).toHaveLength(15);
    expect(policy(expanding).detail).toMatch(/at most 256 characters/);
  });

  it("rule 2: not a common password, case-insensitively", () => {
    expect(policy("password").detail).toMatch(/common password/);
    expect(policy("PassWord1").detail).toMatch(/common password/);
    expect(policy("QWERTYUIOP123").detail).toMatch(/common password/);
    // Full-width spelling normalises to a common password.
    expect(policy("ｐａｓｓｗｏｒｄ１２３").detail).toMatch(/common password/);
  });

  it("rule 3: not the email or its local part, case-insensitively", () => {
    expect(policy("Alice.Smith1@Example.com").detail).toMatch(/email address/);
    expect(policy("ALICE.SMITH1").detail).toMatch(/email address/);
    accepts("Alice.Smith1!", EMAIL);
    accepts("ALICE.SMITH1", "someone.else@example.com");
  });

  it("rule 4: 15+ code points, or three of lower, upper, digit, symbol", () => {
    const rule = /at least 15 characters long, or mix at least three/;
    expect(policy("abcdefgh12").detail).toMatch(rule); // lower + digit
    expect(policy("ABCDEFGH!!").detail).toMatch(rule); // upper + symbol
    expect(policy("abcdefg 12xyz").detail).toMatch(rule); // a space is not a symbol
    expect(policy("zqxjvkwpmtrbnl").detail).toMatch(rule); // 14 lower-case letters
    accepts("zqxjvkwpmtrbnly"); // 15 lower-case letters
    accepts("abcdefgH12"); // lower + upper + digit
    accepts("abcdefgh12!"); // lower + digit + symbol
    accepts("ÉCOLEdété9"); // Unicode upper and lower
    accepts("密码abcd1234"); // caseless letters count as symbols
    accepts("abcdefg!١٢"); // Arabic-Indic digits count as digits
    expect(policy("abcdefgh١٢").detail).toMatch(rule);
  });

  it("applies the rules in API.md's order", () => {
    expect(policy("123456").detail).toMatch(/at least 8/); // short beats common
    expect(policy("password").detail).toMatch(/common/); // common beats classes
    expect(policy("zqxjvkwp@x.io", "zqxjvkwp@x.io").detail).toMatch(/email/); // email beats classes
  });

  it("never echoes the password in an error", () => {
    const secrets = ["Xy1!", "iloveyou2", "alice.smith1", "abcdefgh12", "\u{20000}".repeat(300)];
    for (const s of secrets) {
      const err = policy(s);
      expect(err.detail).not.toContain(s);
      expect(JSON.stringify(err.errors)).not.toContain(s);
    }
  });
});

describe("common password list", () => {
  it("ships at least the top 10,000, lower-cased", () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThanOrEqual(10_000);
    expect(list.has("password")).toBe(true);
    expect(list.has("123456")).toBe(true);
    expect(list.has("")).toBe(false);
    for (const p of list) expect(p).toBe(p.toLowerCase());
    expect(isCommonPassword("PASSWORD")).toBe(true);
    expect(isCommonPassword("zqxjvkwpmtrbnly")).toBe(false);
    expect(commonPasswords()).toBe(list); // built once
  });
});

describe("common-passwords.txt is the list the policy uses", () => {
  // The data file itself, imported here through the same Text-module rule (wrangler.toml) as in policy.ts.
  const lines = COMMON_PASSWORDS_FILE.split("\n");
  const entries = lines.slice(0, -1);
  const inFile = new Set(entries);

  it("is one lower-cased, NFKC-normalised entry a line, no blanks, no duplicates", () => {
    expect(lines.at(-1)).toBe(""); // ends with one newline
    expect(entries.length).toBeGreaterThanOrEqual(10_000);
    expect(entries.slice(0, 2)).toEqual(["123456", "password"]); // most common first
    for (const entry of entries) {
      expect(entry).not.toBe("");
      expect(entry).not.toMatch(/[\r\u0000]/);
      expect(entry).toBe(entry.normalize("NFKC").toLowerCase());
    }
    expect(inFile.size).toBe(entries.length);
  });

  it("every entry of the file, and nothing else, is on the policy's list", () => {
    const list = commonPasswords();
    expect(list.size).toBe(entries.length);
    for (const entry of entries) expect(list.has(entry)).toBe(true);
  });

  it("refuses entries found only in the file, which pass every other rule", () => {
    // A late, rare entry: capitalised it is 10 code points with lower, upper and digit.
    expect(inFile.has("boy1cool23")).toBe(true);
    expect(policy("Boy1cool23").detail).toMatch(/common password/);
    expect(inFile.has("boy1cool23!")).toBe(false);
    accepts("Boy1cool23!");
    // Every entry that, capitalised, satisfies the length and class rules is refused
    // only because it is in the file; the same spelling plus "!" is not in it and passes.
    let checked = 0;
    for (const entry of entries) {
      const candidate = entry.charAt(0).toUpperCase() + entry.slice(1);
      const length = [...candidate].length;
      if (length < 8 || length > 255 || !/[a-z]/.test(candidate) || !/[0-9]/.test(candidate) || !/^[A-Z]/.test(candidate)) continue;
      expect(policy(candidate).detail, entry).toMatch(/common password/);
      if (!inFile.has(`${entry}!`)) accepts(`${candidate}!`);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

describe("createPasswordHasher", () => {
  it("records algorithm, pepper id and cost, never the pepper", async () => {
    const stored = await hasher(4).hash("Correct-Horse-9");
    const m = GW1_RE.exec(stored);
    expect(m).not.toBeNull();
    expect(stored.startsWith(HASH_PREFIX)).toBe(true);
    expect(m?.[1]).toBe(pepperId(PEPPER));
    expect(m?.[3]).toBe("04");
    expect(stored).not.toContain(PEPPER);
    expect(stored).not.toContain(PEPPER.slice(0, 8));
    expect(GW1_RE.exec(await hasher(5).hash("Correct-Horse-9"))?.[3]).toBe("05");
  });

  it("derives the pepper id as the first 8 hex digits of SHA-256('pepper-id:' + pepper)", async () => {
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`pepper-id:${PEPPER}`)),
    );
    const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(pepperId(PEPPER)).toBe(hex.slice(0, 8));
    expect(pepperId(OLD_PEPPER)).not.toBe(pepperId(PEPPER));
  });

  it("feeds bcrypt base64(HMAC-SHA256(pepper, password)), so other languages can verify", async () => {
    const stored = await hasher(4).hash("Correct-Horse-9");
    const inner = GW1_RE.exec(stored)?.[2] ?? "";
    expect(bcrypt.compareSync(await hmacBase64(PEPPER, "Correct-Horse-9"), inner)).toBe(true);
    expect(bcrypt.compareSync("Correct-Horse-9", inner)).toBe(false);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const h = hasher(4);
    const stored = await h.hash("Correct-Horse-9");
    expect(await h.verify("Correct-Horse-9", stored)).toEqual({ ok: true, needsRehash: false });
    expect(await h.verify("correct-Horse-9", stored)).toEqual({ ok: false, needsRehash: false });
    expect(await h.hash("Correct-Horse-9")).not.toBe(stored); // salted
  });

  it("verifies full-width and ASCII spellings as each other after NFKC", async () => {
    const h = hasher(4);
    const stored = await h.hash(normalizePassword("Ｐａｓｓｗｏｒｄ１２３！", "password"));
    expect((await h.verify(normalizePassword("Password123!", "password"), stored)).ok).toBe(true);
    expect((await h.verify("Ｐａｓｓｗｏｒｄ１２３！", stored)).ok).toBe(false); // not normalised
  });

  it("never confuses two 80-byte passwords that share their first 72 bytes", async () => {
    const a = `${"x".repeat(72)}AAAAAAAA`;
    const b = `${"x".repeat(72)}BBBBBBBB`;
    expect(new TextEncoder().encode(a)).toHaveLength(80);
    // Plain bcrypt would confuse them: this is the trap.
    expect(bcrypt.compareSync(b, bcrypt.hashSync(a, 4))).toBe(true);
    const h = hasher(4);
    const stored = await h.hash(a);
    expect((await h.verify(a, stored)).ok).toBe(true);
    expect((await h.verify(b, stored)).ok).toBe(false);
    // Multi-byte characters straddling byte 72.
    const c = `${"é".repeat(36)}一`;
    const d = `${"é".repeat(36)}二`;
    expect((await h.verify(d, await h.hash(c))).ok).toBe(false);
  });

  it("flags a lower-cost hash for rehash, not a higher one", async () => {
    const low = await hasher(4).hash("Correct-Horse-9");
    const high = await hasher(5).hash("Correct-Horse-9");
    expect(await hasher(5).verify("Correct-Horse-9", low)).toEqual({ ok: true, needsRehash: true });
    expect(await hasher(4).verify("Correct-Horse-9", high)).toEqual({ ok: true, needsRehash: false });
    expect(await hasher(5).verify("wrong-Horse-9", low)).toEqual({ ok: false, needsRehash: false });
  });

  it("verifies under a previous pepper, flags it for rehash, and rehashes under the current one", async () => {
    const stored = await hasher(4, OLD_PEPPER).hash("Correct-Horse-9");
    const rotated = hasher(4, PEPPER, [OLD_PEPPER]);
    expect(await rotated.verify("Correct-Horse-9", stored)).toEqual({ ok: true, needsRehash: true });
    expect((await rotated.verify("Wrong-Horse-9", stored)).ok).toBe(false);
    const rehashed = await rotated.hash("Correct-Horse-9");
    expect(GW1_RE.exec(rehashed)?.[1]).toBe(pepperId(PEPPER));
    expect(await rotated.verify("Correct-Horse-9", rehashed)).toEqual({ ok: true, needsRehash: false });
    // A pepper that was dropped from the configuration no longer verifies.
    expect(await hasher(4, PEPPER).verify("Correct-Horse-9", stored)).toEqual({ ok: false, needsRehash: false });
  });

  it("verifies legacy plain bcrypt ($2a$, $2b$, $2y$) against the raw password and flags it", async () => {
    const h = hasher(4);
    const legacy = bcrypt.hashSync("Legacy-Pass-123", 4);
    expect(legacy.startsWith("$2b$04$")).toBe(true);
    for (const variant of [legacy, legacy.replace("$2b$", "$2a$"), legacy.replace("$2b$", "$2y$")]) {
      expect(await h.verify("Legacy-Pass-123", variant)).toEqual({ ok: true, needsRehash: true });
      expect(await h.verify("Legacy-Pass-124", variant)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it("also tries the raw input against a legacy hash (the old app did not normalise), then flags it", async () => {
    const h = hasher(4);
    const raw = "Ｌｅｇａｃｙ-ﬁ-Pass-123"; // full-width letters and a ligature: NFKC changes it
    const normalised = raw.normalize("NFKC");
    expect(normalised).not.toBe(raw);
    const legacy = bcrypt.hashSync(raw, 4);
    expect(await h.verify(normalised, legacy)).toEqual({ ok: false, needsRehash: false });
    expect(await h.verify(normalised, legacy, raw)).toEqual({ ok: true, needsRehash: true });
    expect(await h.verify(normalised, legacy, `${raw}x`)).toEqual({ ok: false, needsRehash: false });
    // Never for the gateway's own format: its hashes are made from the normalised form only.
    const own = await h.hash(normalised);
    expect(await h.verify("wrong", own, normalised)).toEqual({ ok: false, needsRehash: false });
  });

  it("does not let a legacy hash confuse passwords past byte 72", async () => {
    const a = `${"y".repeat(72)}AAAAAAAA`;
    const legacy = bcrypt.hashSync(a, 4);
    expect(await hasher(4).verify(`${"y".repeat(72)}BBBBBBBB`, legacy)).toEqual({ ok: false, needsRehash: false });
    expect((await hasher(4).verify(a, legacy)).ok).toBe(false);
  });

  it("returns ok:false for an unknown user, a malformed hash or a tampered one", async () => {
    const h = hasher(4);
    const stored = await h.hash("Correct-Horse-9");
    expect(await h.verify("Correct-Horse-9", null)).toEqual({ ok: false, needsRehash: false });
    expect(await h.verify("", null)).toEqual({ ok: false, needsRehash: false });
    expect(await h.verify("Correct-Horse-9", "")).toEqual({ ok: false, needsRehash: false });
    expect(await h.verify("Correct-Horse-9", "not-a-hash")).toEqual({ ok: false, needsRehash: false });
    const otherId = stored.replace(pepperId(PEPPER), "00000000");
    expect(await h.verify("Correct-Horse-9", otherId)).toEqual({ ok: false, needsRehash: false });
    expect(await h.verify("Correct-Horse-9", stored.replace("$2b$04$", "$2b$99$"))).toEqual({
      ok: false,
      needsRehash: false,
    });
    expect(await h.verify("Correct-Horse-9", stored.slice(0, -1))).toEqual({ ok: false, needsRehash: false });
  });

  it("refuses bad options", () => {
    expect(() => hasher(3)).toThrow(/cost/);
    expect(() => hasher(32)).toThrow(/cost/);
    expect(() => hasher(4.5)).toThrow(/cost/);
    expect(() => hasher(4, "")).toThrow(/pepper/);
    expect(() => hasher(4, PEPPER, [""])).toThrow(/pepper/);
    expect(() => hasher(4, PEPPER, [PEPPER, OLD_PEPPER])).not.toThrow();
  });

  it("at the production cost of 12, an unknown user costs the same bcrypt work as a wrong password", async () => {
    const h = hasher(12);
    const stored = await h.hash("Correct-Horse-9");
    expect(GW1_RE.exec(stored)?.[3]).toBe("12");

    let t = performance.now();
    expect((await h.verify("Wrong-Horse-9", stored)).ok).toBe(false);
    const wrong = performance.now() - t;
    t = performance.now();
    expect((await h.verify("Wrong-Horse-9", null)).ok).toBe(false);
    const unknown = performance.now() - t;
    t = performance.now();
    expect((await h.verify("Correct-Horse-9", stored)).ok).toBe(true);
    const right = performance.now() - t;

    // Cost 12 is 4096 rounds: far from the microseconds a skipped hash takes.
    expect(wrong).toBeGreaterThan(20);
    expect(unknown).toBeGreaterThan(wrong * 0.6);
    expect(unknown).toBeLessThan(wrong * 1.6);
    expect(right).toBeGreaterThan(wrong * 0.6);
  }, 30_000);
});
