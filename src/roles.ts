/**
 * Role names (API.md "Roles and the admin API"): `^[a-z][a-z0-9_-]{0,31}$`,
 * at most 16 a user. Shared by the admin API, ROLE_RULES and the CLI's checks
 * (scripts/admin.mjs repeats the pattern: it runs outside the Worker).
 */
export const ROLE_RE = /^[a-z][a-z0-9_-]{0,31}$/;
export const MAX_ROLES = 16;
export const ADMIN_ROLE = "admin";

export function isRoleName(value: unknown): value is string {
  return typeof value === "string" && ROLE_RE.test(value);
}
