/**
 * Request bodies and answers of the admin API as valibot schemas: the
 * handlers validate with them and the OpenAPI document is generated from them.
 */
import * as v from "valibot";
import { UserSchema } from "../openapi/components";
import { MAX_ROLES, ROLE_RE } from "../roles";

const roleName = v.pipe(v.string("must match ^[a-z][a-z0-9_-]{0,31}$"), v.regex(ROLE_RE, "must match ^[a-z][a-z0-9_-]{0,31}$"));

/** PATCH /auth/admin/users/{id}: one or more of the three, nothing else. */
export const UserPatchBody = v.pipe(
  v.strictObject({
    roles: v.optional(
      v.pipe(
        v.array(roleName, "must be an array of role names"),
        v.maxLength(MAX_ROLES, `must hold at most ${MAX_ROLES} roles`),
        v.check((roles) => new Set(roles).size === roles.length, "must not repeat a role"),
      ),
    ),
    account_status: v.optional(v.picklist(["active", "disabled"], "must be active or disabled")),
    email_verified: v.optional(v.boolean("must be true or false")),
  }),
  v.check((body) => Object.keys(body).length > 0, "give at least one of roles, account_status, email_verified"),
);

/** The actions take no body (an empty one or `{}`). */
export const EmptyBody = v.strictObject({});

const isoTime = v.pipe(v.string(), v.isoTimestamp());

export const AdminUserSchema = v.strictObject({
  ...UserSchema.entries,
  failed_login_attempts: v.number(),
  locked_until: v.nullable(isoTime),
  updated_at: isoTime,
  mfa: v.strictObject({ totp: v.boolean(), passkeys: v.number() }),
});

export const AdminUserResponse = v.strictObject({ user: AdminUserSchema });

export const AdminUserListResponse = v.strictObject({
  users: v.array(AdminUserSchema),
  next_cursor: v.nullable(v.string()),
});

export const AdminUserDetailResponse = v.strictObject({
  user: AdminUserSchema,
  sessions: v.array(
    v.strictObject({
      id: v.string(),
      created_at: isoTime,
      last_used_at: isoTime,
      ip_address: v.nullable(v.string()),
      user_agent: v.nullable(v.string()),
    }),
  ),
});

export const AdminEventListResponse = v.strictObject({
  events: v.array(
    v.strictObject({
      id: v.string(),
      type: v.string(),
      user_id: v.nullable(v.string()),
      actor_id: v.nullable(v.string()),
      ip: v.nullable(v.string()),
      user_agent: v.nullable(v.string()),
      created_at: isoTime,
      detail: v.unknown(),
    }),
  ),
  next_cursor: v.nullable(v.string()),
});
