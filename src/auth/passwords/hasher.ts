/**
 * Password hashing: bcrypt over an HMAC-SHA256 pre-hash under a server-side pepper.
 *
 * bcrypt reads only the first 72 bytes of its input, so the (normalised)
 * password is first reduced to HMAC-SHA256(key = UTF-8 of the pepper,
 * message = UTF-8 of the password), base64-encoded (44 bytes): every byte of
 * the password counts, and a database dump alone cannot be attacked offline.
 *
 * Stored format: `$gw1$hmac-sha256$<pepperId>$` followed by the bcrypt string
 * (`$2b$<cost>$<salt+hash>`), so the algorithm, the cost and the pepper
 * version are all recorded. `pepperId` is the first 8 hex digits of
 * SHA-256("pepper-id:" + pepper), never the pepper itself. Peppers rotate:
 * the current one hashes, the current or any previous one verifies.
 *
 * Plain bcrypt strings (`$2a$`/`$2b$`/`$2y$`, from the single-user FastAPI app)
 * are verified directly against the normalised password, then against the raw
 * input (the old app did not normalise, so a password that NFKC changes would
 * otherwise never log in again), and always flagged for rehash; one longer than 72 UTF-8 bytes never matches them, since bcrypt
 * would compare only its first 72 bytes.
 *
 * Unknown users (`stored === null`), unknown formats and retired peppers run
 * the same HMAC and bcrypt work at the configured cost and return `ok: false`.
 * bcrypt is bcrypt-ts (the fastest of bcryptjs, bcrypt-ts and hash-wasm that runs
 * in workerd: `npm run bench`; standard `$2b$`, cross-verified with bcryptjs). Its
 * own compare uses `===`, so verification recomputes the hash with the stored
 * salt and compares in constant time here. The synchronous API is used: in
 * workerd the async one is no faster and only yields every 100 ms.
 */
import { genSaltSync, hashSync, truncates } from "bcrypt-ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

export interface PasswordHasherOptions {
  /** The current pepper (`PASSWORD_PEPPER`), used as its UTF-8 bytes. */
  pepper: string;
  /** Retired peppers (`PASSWORD_PREVIOUS_PEPPERS`), still accepted for verification. */
  previousPeppers: readonly string[];
  /** bcrypt cost (log2 rounds) for new hashes, 4..31. */
  cost: number;
}

export interface PasswordVerification {
  ok: boolean;
  /** True only when `ok` and the stored hash is weaker than what `hash` makes now. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  /** Hashes a password that went through `normalizePassword`. */
  hash(password: string): Promise<string>;
  /**
   * Checks a normalised password against a stored hash, or burns the same work for `null`.
   * `raw` (the input before NFKC) is also tried against a legacy bcrypt hash, which the old app
   * made from unnormalised input; a match there is flagged for rehash like any legacy hash.
   */
  verify(password: string, stored: string | null, raw?: string): Promise<PasswordVerification>;
}

export const HASH_PREFIX = "$gw1$hmac-sha256$";

const GW1_RE = /^\$gw1\$hmac-sha256\$([0-9a-f]{8})\$(\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53})$/;
const BCRYPT_RE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const MIN_COST = 4;
const MAX_COST = 31;
/**
 * Salt (22 chars) and hash (31 chars) of the dummy bcrypt string that unknown users
 * are compared against: well-formed, so the full work runs; its result is ignored.
 */
const DUMMY_BODY = "C6UzMDM.H6dfI/f/IKcEeO" + "dummy.hash/never/returned/ok/00";
const encoder = new TextEncoder();

/** The public, non-secret id that a stored hash records for the pepper it used. */
export function pepperId(pepper: string): string {
  return bytesToHex(sha256(utf8ToBytes(`pepper-id:${pepper}`))).slice(0, 8);
}

interface Pepper {
  id: string;
  secret: string;
  key?: Promise<CryptoKey>;
}

type Parsed =
  | { kind: "gw1"; pepperId: string; bcrypt: string; cost: number }
  | { kind: "legacy"; bcrypt: string; cost: number }
  | { kind: "unknown" };

function parseStored(stored: string): Parsed {
  const gw = GW1_RE.exec(stored);
  if (gw) {
    const cost = Number(gw[3]);
    if (cost >= MIN_COST && cost <= MAX_COST) return { kind: "gw1", pepperId: gw[1] ?? "", bcrypt: gw[2] ?? "", cost };
    return { kind: "unknown" };
  }
  const legacy = BCRYPT_RE.exec(stored);
  if (legacy) {
    const cost = Number(legacy[1]);
    if (cost >= MIN_COST && cost <= MAX_COST) return { kind: "legacy", bcrypt: stored, cost };
  }
  return { kind: "unknown" };
}

function importKey(pepper: Pepper): Promise<CryptoKey> {
  pepper.key ??= crypto.subtle.importKey(
    "raw",
    encoder.encode(pepper.secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return pepper.key;
}

/** Constant-time equality of two bcrypt strings (same length by construction). */
function sameHash(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** bcrypt's verify: hash `data` with the stored string's salt and cost, compare in constant time. */
function bcryptMatches(data: string, stored: string): boolean {
  return stored.length === 60 && sameHash(hashSync(data, stored.slice(0, 29)), stored);
}

/** base64(HMAC-SHA256(pepper, password)): 44 ASCII bytes, well under bcrypt's 72. */
async function preHash(pepper: Pepper, password: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await importKey(pepper), encoder.encode(password)));
  let bin = "";
  for (const b of mac) bin += String.fromCharCode(b);
  return btoa(bin);
}

function checkOptions(opts: PasswordHasherOptions): void {
  if (!Number.isInteger(opts.cost) || opts.cost < MIN_COST || opts.cost > MAX_COST) {
    throw new Error(`bcrypt cost must be an integer from ${MIN_COST} to ${MAX_COST}`);
  }
  if (opts.pepper.length === 0 || opts.previousPeppers.some((p) => p.length === 0)) {
    throw new Error("password peppers must not be empty");
  }
}

/**
 * Builds the hasher for one configuration; build it once per isolate.
 *
 * @example
 * const hasher = createPasswordHasher({ pepper: config.passwordPepper, previousPeppers: config.passwordPreviousPeppers, cost: 12 });
 * const stored = await hasher.hash(normalizePassword(body.password, "password"));
 * const { ok, needsRehash } = await hasher.verify(password, user?.passwordHash ?? null);
 * if (ok && needsRehash) await saveHash(user.id, await hasher.hash(password));
 */
export function createPasswordHasher(opts: PasswordHasherOptions): PasswordHasher {
  checkOptions(opts);
  const cost = opts.cost;
  const current: Pepper = { id: pepperId(opts.pepper), secret: opts.pepper };
  const peppers = new Map<string, Pepper>([[current.id, current]]);
  for (const secret of opts.previousPeppers) {
    if (secret === opts.pepper) continue;
    const id = pepperId(secret);
    const known = peppers.get(id);
    if (known && known.secret !== secret) throw new Error("two password peppers share an id; replace one");
    if (!known) peppers.set(id, { id, secret });
  }
  const dummy = `$2b$${String(cost).padStart(2, "0")}$${DUMMY_BODY}`;

  async function burn(password: string): Promise<PasswordVerification> {
    bcryptMatches(await preHash(current, password), dummy);
    return { ok: false, needsRehash: false };
  }

  return {
    async hash(password) {
      const digest = await preHash(current, password);
      return `${HASH_PREFIX}${current.id}$${hashSync(digest, genSaltSync(cost))}`;
    },

    async verify(password, stored, raw) {
      const parsed: Parsed = stored === null ? { kind: "unknown" } : parseStored(stored);
      if (parsed.kind === "gw1") {
        const pepper = peppers.get(parsed.pepperId);
        if (!pepper) return burn(password);
        const ok = bcryptMatches(await preHash(pepper, password), parsed.bcrypt);
        return { ok, needsRehash: ok && (parsed.cost < cost || pepper !== current) };
      }
      if (parsed.kind === "legacy" && !truncates(password)) {
        let ok = bcryptMatches(password, parsed.bcrypt);
        if (!ok && raw !== undefined && raw !== password && !truncates(raw)) ok = bcryptMatches(raw, parsed.bcrypt);
        return { ok, needsRehash: ok };
      }
      return burn(password);
    },
  };
}
