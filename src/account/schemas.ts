/**
 * Request bodies of the account self-service endpoints (PATCH /auth/me,
 * email change, DELETE /auth/me). Handlers validate with these (`parseBody`)
 * and the OpenAPI document is generated from them.
 */
import * as v from "valibot";
import { nameText, text } from "../http/schema";

/** At most 200 code points as sent and again once normalised (checked in profile.ts). */
const fullName = v.nullable(nameText("must be a string or null"));

export const UpdateProfileBody = v.strictObject({ full_name: fullName });

export const EmailChangeBody = v.strictObject({ new_email: text(320), password: text(1024) });

export const EmailChangeConfirmBody = v.strictObject({ token: text(512) });

/** `code`: a TOTP or recovery code, when the account has TOTP on. */
export const DeleteAccountBody = v.strictObject({ password: text(1024), code: v.optional(text(64)) });
