/**
 * The body of PATCH /auth/admin/users/{id}: any of `roles` (at most 16 role
 * names, no repeats), `account_status` (`active` or `disabled`) and
 * `email_verified` (boolean); nothing else, and at least one of them.
 */
import { validationError, type FieldError } from "../errors";
import { isRoleName, MAX_ROLES } from "../roles";

export interface UserPatch {
  roles?: string[];
  accountStatus?: "active" | "disabled";
  emailVerified?: boolean;
}

const FIELDS = ["roles", "account_status", "email_verified"];

function parseRoles(v: unknown, errors: FieldError[]): string[] | undefined {
  if (!Array.isArray(v)) {
    errors.push({ field: "roles", message: "must be an array of role names" });
    return undefined;
  }
  if (v.length > MAX_ROLES) {
    errors.push({ field: "roles", message: `must hold at most ${MAX_ROLES} roles` });
    return undefined;
  }
  const bad = v.findIndex((r) => !isRoleName(r));
  if (bad !== -1) {
    errors.push({ field: `roles[${bad}]`, message: "must match ^[a-z][a-z0-9_-]{0,31}$" });
    return undefined;
  }
  if (new Set(v).size !== v.length) {
    errors.push({ field: "roles", message: "must not repeat a role" });
    return undefined;
  }
  return v as string[];
}

export function parseUserPatch(body: Record<string, unknown>): UserPatch {
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) errors.push({ field: key.slice(0, 64), message: "unknown field" });
  }
  const patch: UserPatch = {};
  if (Object.hasOwn(body, "roles")) patch.roles = parseRoles(body.roles, errors);
  if (Object.hasOwn(body, "account_status")) {
    const s = body.account_status;
    if (s === "active" || s === "disabled") patch.accountStatus = s;
    else errors.push({ field: "account_status", message: "must be active or disabled" });
  }
  if (Object.hasOwn(body, "email_verified")) {
    if (typeof body.email_verified === "boolean") patch.emailVerified = body.email_verified;
    else errors.push({ field: "email_verified", message: "must be true or false" });
  }
  if (errors.length === 0 && Object.keys(body).length === 0) {
    errors.push({ field: "body", message: "give at least one of roles, account_status, email_verified" });
  }
  if (errors.length > 0) throw validationError(errors);
  return patch;
}
