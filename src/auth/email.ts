/**
 * Email addresses as identities: NFKC, trimmed, lower-cased (then NFKC again,
 * since lower-casing can denormalise), so `K` (Kelvin sign) and `K`, or
 * full-width letters, name the same account. Shape checks are deliberately
 * simple: deliverability is proven by the verification mail, not a regex.
 */
import { validationError } from "../errors";

const EMAIL_RE = /^[^\s@"(),:;<>[\]\\]{1,64}@[^\s@"(),:;<>[\]\\]+\.[^\s@"(),:;<>[\]\\.][^\s@"(),:;<>[\]\\]*$/u;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/u;

export function normalizeEmail(raw: string): string {
  return raw.normalize("NFKC").trim().toLowerCase().normalize("NFKC");
}

/** Normalises and checks an email from a request body; 422 when it cannot be one. */
export function parseEmail(raw: string, field = "email"): string {
  if (raw.length > 320 || !raw.isWellFormed()) {
    throw validationError([{ field, message: "must be a valid email address" }]);
  }
  const email = normalizeEmail(raw);
  if (email.length > 254 || CONTROL_RE.test(email) || !EMAIL_RE.test(email)) {
    throw validationError([{ field, message: "must be a valid email address" }]);
  }
  return email;
}
