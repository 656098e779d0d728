/**
 * The password policy of API.md "Passwords": what a new password must be.
 *
 * `normalizePassword` turns client input into the one form that is checked,
 * hashed and compared (well-formed Unicode, no NUL, NFKC); `assertPasswordPolicy`
 * applies the rules in API.md's order: 8..256 code points, not a common
 * password, not the email or its local part, and either 15+ code points or
 * three of lower case, upper case, digit, symbol.
 *
 * Character classes (counted on the normalised password):
 * - lower: `\p{Ll}`; upper: `\p{Lu}` or `\p{Lt}`; digit: `\p{Nd}`;
 * - symbol: any other code point that is neither white space nor a control
 *   character: punctuation, symbols, marks, and the letters of caseless
 *   scripts (CJK, Arabic...), so those scripts are not held to an upper/lower
 *   split they do not have. White space is allowed but counts toward no class.
 *
 * Every refusal is a 422 `weak_password` whose detail names the rule and never
 * echoes the password.
 */
import { GatewayError } from "../../errors";
import { COMMON_PASSWORDS } from "./common-passwords";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
/** A password this long needs no character-class mix. */
export const PASSWORD_PASSPHRASE_LENGTH = 15;
/**
 * Raw inputs longer than this (UTF-16 units) are refused before NFKC runs, so a
 * megabyte of input costs nothing. 1024 units is at least 512 code points, and
 * NFKC composition cannot bring that back under 256 for any realistic input.
 */
export const PASSWORD_MAX_RAW_UNITS = 1024;

const LOWER_RE = /\p{Ll}/u;
const UPPER_RE = /[\p{Lu}\p{Lt}]/u;
const DIGIT_RE = /\p{Nd}/u;
const SYMBOL_RE = /[^\p{Ll}\p{Lu}\p{Lt}\p{Nd}\p{White_Space}\p{Cc}]/u;

function weak(field: string, message: string): GatewayError {
  return new GatewayError("weak_password", message, { errors: [{ field, message }] });
}

/**
 * Returns the NFKC form of a client-supplied password, or throws
 * `weak_password` when it is too long to consider, is not well-formed Unicode
 * (a lone surrogate) or contains NUL.
 *
 * @example
 * const password = normalizePassword(body.password, "password"); // "ｐａｓｓ" -> "pass"
 */
export function normalizePassword(raw: string, field: string): string {
  if (raw.length > PASSWORD_MAX_RAW_UNITS) {
    throw weak(field, `Password must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  }
  if (!raw.isWellFormed()) {
    throw weak(field, "Password must be well-formed Unicode text (it contains a lone surrogate)");
  }
  if (raw.includes("\u0000")) {
    throw weak(field, "Password must not contain NUL characters");
  }
  return raw.normalize("NFKC");
}

let commonSet: ReadonlySet<string> | undefined;

/** The shipped common-password list, built once per isolate on first use. */
export function commonPasswords(): ReadonlySet<string> {
  if (!commonSet) {
    const set = new Set<string>();
    for (const line of COMMON_PASSWORDS.split("\n")) if (line) set.add(line);
    commonSet = set;
  }
  return commonSet;
}

/** Whether `password` (normalised) is on the common list, ignoring case. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function characterClasses(password: string): number {
  return [LOWER_RE, UPPER_RE, DIGIT_RE, SYMBOL_RE].filter((re) => re.test(password)).length;
}

function matchesEmail(password: string, email: string): boolean {
  const candidate = password.toLowerCase();
  const address = email.normalize("NFKC").toLowerCase();
  const at = address.lastIndexOf("@");
  const local = at > 0 ? address.slice(0, at) : address;
  return candidate === address || candidate === local;
}

/**
 * Throws `weak_password` naming the first rule of API.md that `password`
 * (already through `normalizePassword`) breaks; returns quietly otherwise.
 *
 * @example
 * const password = normalizePassword(body.password, "password");
 * assertPasswordPolicy(password, email, "password");
 */
export function assertPasswordPolicy(password: string, email: string, field: string): void {
  const length = countCodePoints(password);
  if (length < PASSWORD_MIN_LENGTH) {
    throw weak(field, `Password must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw weak(field, `Password must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  }
  if (isCommonPassword(password)) {
    throw weak(field, "Password is one of the most common passwords; choose another");
  }
  if (matchesEmail(password, email)) {
    throw weak(field, "Password must not be the email address or its local part");
  }
  if (length < PASSWORD_PASSPHRASE_LENGTH && characterClasses(password) < 3) {
    throw weak(
      field,
      `Password must be at least ${PASSWORD_PASSPHRASE_LENGTH} characters long, or mix at least three of: lower case, upper case, digit, symbol`,
    );
  }
}
