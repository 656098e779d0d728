/**
 * The second factor of DELETE /auth/me. API.md: when TOTP is on, the body
 * must carry `code` (a TOTP or recovery code), else 401 `invalid_code`.
 *
 * TOTP is built by the mfa work (issue 14); until its verifier is on main no
 * account has TOTP on, so there is nothing to check yet. Wire it here:
 * `if (await totpEnabled(db, user.id) && !(await verifyCode(...))) throw invalid_code`.
 */
import type { Context } from "hono";
import type { UserRow } from "../db/schema";
import type { AppEnv } from "../http/types";

export async function checkSecondFactor(_c: Context<AppEnv>, _user: UserRow, _code: string | undefined): Promise<void> {
  // No second factor exists yet (see the module comment).
}
