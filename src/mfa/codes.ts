/**
 * Reading the codes a person types: a TOTP code is exactly six ASCII digits,
 * a recovery code is `xxxx-xxxx-xxxx-xxxx` (case and dashes optional).
 * Anything else is 422 `validation_failed` before any state is touched.
 */
import { validationError } from "../errors";
import { normaliseRecoveryCode } from "./recovery-codes";
import { TOTP_CODE_RE } from "./totp";

export type PresentedCode = { kind: "totp"; code: string } | { kind: "recovery"; code: string };

export function requireTotpCode(value: string, field = "code"): string {
  if (!TOTP_CODE_RE.test(value)) throw validationError([{ field, message: "must be 6 digits (0-9)" }]);
  return value;
}

export function requireRecoveryCode(value: string, field = "recovery_code"): string {
  const code = normaliseRecoveryCode(value);
  if (!code) throw validationError([{ field, message: "must be a recovery code like abcd-efgh-ijkl-mnop" }]);
  return code;
}

/** A field that takes either kind (DELETE /auth/mfa/totp): decided by its shape. */
export function readEitherCode(value: string, field = "code"): PresentedCode {
  if (TOTP_CODE_RE.test(value)) return { kind: "totp", code: value };
  const recovery = normaliseRecoveryCode(value);
  if (recovery) return { kind: "recovery", code: recovery };
  throw validationError([{ field, message: "must be a 6-digit code or a recovery code" }]);
}
