/**
 * Request bodies of the account self-service endpoints (PATCH /auth/me,
 * email change, DELETE /auth/me). Handlers validate with these (`parseBody`)
 * and the OpenAPI document is generated from them.
 */
import * as v from "valibot";
import { text } from "../http/schema";

/** At most 200 code points once normalised (checked in profile.ts); 400 UTF-16 units bound the raw string. */
const fullName = v.nullable(
  v.pipe(v.string("must be a string or null"), v.maxLength(400, "must be at most 200 characters")),
);

export const UpdateProfileBody = v.strictObject({ full_name: fullName });

export const EmailChangeBody = v.strictObject({ new_email: text(320), password: text(1024) });

export const EmailChangeConfirmBody = v.strictObject({ token: text(512) });

/** `code`: a TOTP or recovery code, when the account has TOTP on. */
export const DeleteAccountBody = v.strictObject({ password: text(1024), code: v.optional(text(64)) });
