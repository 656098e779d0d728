/** What each MFA endpoint takes and answers (API.md "Multi-factor authentication"). */
import { SessionResponse } from "../openapi/components";
import type { RouteDoc } from "../openapi/describe";
import {
  CodeBody,
  LoginMfaBody,
  MfaStatusResponse,
  PasswordAndCodeBody,
  PasswordBody,
  RecoveryCodesResponse,
  TotpSetupResponse,
} from "./schemas";

export const mfaRouteDocs = {
  loginMfa: {
    method: "post", path: "/auth/login/mfa", summary: "Finish a login with a TOTP or recovery code (amr pwd, otp, mfa)",
    tag: "mfa", auth: "none", body: LoginMfaBody,
    success: { 200: { description: "A session, exactly as a login", schema: SessionResponse } },
    errors: [["invalid_token", 400], "invalid_code", "account_disabled", "account_locked", "csrf_failed"],
  },
  status: {
    method: "get", path: "/auth/mfa", summary: "The user's second factors", tag: "mfa", auth: "access",
    success: { 200: { description: "TOTP on or off, recovery codes left, passkeys", schema: MfaStatusResponse } }, errors: [],
  },
  totpSetup: {
    method: "post", path: "/auth/mfa/totp/setup", summary: "Start TOTP enrolment (password re-check)", tag: "mfa",
    auth: "access", body: PasswordBody,
    success: { 200: { description: "The pending secret, its otpauth URL and QR code", schema: TotpSetupResponse } },
    errors: ["invalid_credentials", "account_locked", "conflict"],
  },
  totpConfirm: {
    method: "post", path: "/auth/mfa/totp/confirm", summary: "Confirm TOTP with a first code; answers recovery codes", tag: "mfa",
    auth: "access", body: CodeBody,
    success: { 200: { description: "TOTP is on; the 10 recovery codes, shown once", schema: RecoveryCodesResponse } },
    errors: ["invalid_code", "conflict"],
  },
  totpDisable: {
    method: "delete", path: "/auth/mfa/totp", summary: "Turn TOTP off (password and a code)", tag: "mfa",
    auth: "access", body: PasswordAndCodeBody,
    success: { 204: { description: "TOTP is off; recovery codes void" } },
    errors: ["invalid_credentials", "invalid_code", "account_locked", "conflict"],
  },
  recoveryCodes: {
    method: "post", path: "/auth/mfa/recovery-codes", summary: "A new set of recovery codes (TOTP code)", tag: "mfa",
    auth: "access", body: CodeBody,
    success: { 200: { description: "The 10 new recovery codes, shown once", schema: RecoveryCodesResponse } },
    errors: ["invalid_code", "account_locked", "conflict"],
  },
} satisfies Record<string, RouteDoc>;
