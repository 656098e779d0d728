/**
 * Request bodies of the /auth endpoints. Handlers validate with these
 * (`parseBody`) and the OpenAPI document is generated from them.
 */
import * as v from "valibot";
import { nameText, oneOf, text } from "../http/schema";

/** Long enough for any real password; the policy (8–256 code points) is checked after NFKC. */
const password = text(1024);
const email = text(320);
const opaqueToken = text(512);

export const RegisterBody = v.strictObject({ email, password, full_name: v.optional(nameText()) });

export const LoginBody = v.strictObject({ email, password, transport: v.optional(oneOf(["cookie", "bearer"])) });

/** Refresh and logout take the refresh token from the body or the refresh cookie. */
export const RefreshTokenBody = v.strictObject({ refresh_token: v.optional(opaqueToken) });

export const PasswordChangeBody = v.strictObject({ current_password: password, new_password: password });

export const ForgotPasswordBody = v.strictObject({ email });

export const ResetPasswordBody = v.strictObject({ token: opaqueToken, password });

export const TokenBody = v.strictObject({ token: opaqueToken });
