/**
 * Who may call /auth/admin/*: a valid access token (bearer, or the cookie
 * with the CSRF check on unsafe methods) whose `roles` hold `admin` (else
 * 403 `forbidden`) and, unless ADMIN_REQUIRE_MFA=false, whose `amr` holds
 * `mfa` (else 403 `mfa_required`; a token without `amr` has no MFA). Each
 * admin is then held to RATE_LIMIT_ADMIN.
 */
import type { Context } from "hono";
import { requirePrincipal } from "../auth/authenticate";
import { enforceRateLimits } from "../auth/rate-limit";
import { GatewayError } from "../errors";
import type { AppEnv, Principal } from "../http/types";
import { ADMIN_ROLE } from "../roles";

export interface Admin extends Principal {
  /** The admin's user id, as a number (the `actor_id` of what they do). */
  actorId: number;
}

export async function requireAdmin(c: Context<AppEnv>): Promise<Admin> {
  const config = c.get("deps").config;
  const principal = await requirePrincipal(c);
  if (!principal.roles.includes(ADMIN_ROLE)) {
    throw new GatewayError("forbidden", "This endpoint needs the admin role");
  }
  if (config.adminRequireMfa && !(principal.amr ?? []).includes("mfa")) {
    throw new GatewayError("mfa_required", "The admin API needs a session signed in with a second factor", {
      status: 403,
    });
  }
  const actorId = Number(principal.userId);
  if (!Number.isSafeInteger(actorId)) throw new GatewayError("invalid_token", "The access token is invalid");
  await enforceRateLimits(c, [{ key: `admin:${principal.userId}`, policy: config.rateLimits.admin }]);
  return { ...principal, actorId };
}
