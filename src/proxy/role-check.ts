/**
 * Applies ROLE_RULES to an authenticated request on a protected path: when
 * the first matching rule names roles the token holds none of, 403
 * `forbidden`, before anything is sent upstream.
 */
import { GatewayError } from "../errors";
import type { Principal } from "../http/types";
import type { RoleRules } from "./role-rules";

export function enforceRoleRules(rules: RoleRules, path: string, principal: Principal): void {
  const required = rules.rolesFor(path);
  if (required && !required.some((role) => principal.roles.includes(role))) {
    throw new GatewayError("forbidden", "Your account does not have a role this path requires");
  }
}
