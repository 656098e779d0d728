/**
 * Bodies and answers of the MFA endpoints as valibot schemas: the handlers
 * validate with them (`parseBody`) and the OpenAPI document is generated from
 * them. The shape of a code (6 digits, or a recovery code) is checked after
 * the schema by src/mfa/codes.ts, with its own messages.
 */
import * as v from "valibot";
import { oneOf, text } from "../http/schema";

const password = text(1024);
const code = text(64);

export const PasswordBody = v.strictObject({ password });
export const CodeBody = v.strictObject({ code });
export const PasswordAndCodeBody = v.strictObject({ password, code });
export const LoginMfaBody = v.strictObject({
  mfa_token: text(512),
  code: v.optional(code),
  recovery_code: v.optional(code),
  transport: v.optional(oneOf(["cookie", "bearer"])),
});

export const MfaStatusResponse = v.strictObject({ totp: v.boolean(), recovery_codes_left: v.number(), passkeys: v.number() });
export const TotpSetupResponse = v.strictObject({ secret: v.string(), otpauth_url: v.string(), qr_svg: v.string() });
export const RecoveryCodesResponse = v.strictObject({ recovery_codes: v.array(v.string()) });
