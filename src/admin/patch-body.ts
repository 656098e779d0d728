/**
 * The body of PATCH /auth/admin/users/{id} (`UserPatchBody`: any of `roles`,
 * `account_status`, `email_verified`, nothing else, and at least one), as the
 * handler uses it.
 */
import { parseBody } from "../http/schema";
import { UserPatchBody } from "./schemas";

export interface UserPatch {
  roles?: string[];
  accountStatus?: "active" | "disabled";
  emailVerified?: boolean;
}

export function parseUserPatch(body: Record<string, unknown>): UserPatch {
  const fields = parseBody(body, UserPatchBody);
  const patch: UserPatch = {};
  if (fields.roles !== undefined) patch.roles = fields.roles;
  if (fields.account_status !== undefined) patch.accountStatus = fields.account_status;
  if (fields.email_verified !== undefined) patch.emailVerified = fields.email_verified;
  return patch;
}
