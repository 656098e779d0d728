/** What each admin endpoint takes and answers (API.md "Roles and the admin API"). */
import { AcceptedResponse } from "../openapi/components";
import type { RouteDoc } from "../openapi/describe";
import type { ErrorCode } from "../errors";
import {
  AdminEventListResponse,
  AdminUserDetailResponse,
  AdminUserListResponse,
  AdminUserResponse,
  EmptyBody,
  UserPatchBody,
} from "./schemas";

/** Every admin call: an admin role, and an MFA session unless ADMIN_REQUIRE_MFA=false. */
const GUARD: ErrorCode[] = ["forbidden", "mfa_required"];
const ONE_USER: ErrorCode[] = [...GUARD, "not_found"];
const PAGE_QUERY = { cursor: "`next_cursor` of the previous page", limit: "1–100, default 50" };
const DONE = { description: "Done" };

export const adminRouteDocs = {
  listUsers: {
    method: "get", path: "/auth/admin/users", summary: "List and search users, ordered by id", tag: "admin",
    auth: "access", query: { q: "substring of the email or the name", ...PAGE_QUERY },
    success: { 200: { description: "A page of users", schema: AdminUserListResponse } }, errors: GUARD,
  },
  getUser: {
    method: "get", path: "/auth/admin/users/:id", summary: "One user with sessions and MFA state", tag: "admin",
    auth: "access", success: { 200: { description: "The user", schema: AdminUserDetailResponse } }, errors: ONE_USER,
  },
  updateUser: {
    method: "patch", path: "/auth/admin/users/:id", summary: "Change roles, status or verification", tag: "admin",
    auth: "access", body: UserPatchBody,
    success: { 200: { description: "The changed user", schema: AdminUserResponse } },
    errors: [...ONE_USER, "conflict"],
  },
  logoutUser: {
    method: "post", path: "/auth/admin/users/:id/logout", summary: "Revoke every session of the user", tag: "admin",
    auth: "access", body: EmptyBody, bodyOptional: true, success: { 204: DONE }, errors: ONE_USER,
  },
  unlockUser: {
    method: "post", path: "/auth/admin/users/:id/unlock", summary: "Clear the lockout and failure count", tag: "admin",
    auth: "access", body: EmptyBody, bodyOptional: true, success: { 204: DONE }, errors: ONE_USER,
  },
  sendPasswordReset: {
    method: "post", path: "/auth/admin/users/:id/password-reset", summary: "Mail the user a reset link", tag: "admin",
    auth: "access", body: EmptyBody, bodyOptional: true,
    success: { 202: { description: "The mail is on its way", schema: AcceptedResponse } }, errors: ONE_USER,
  },
  removeMfa: {
    method: "delete", path: "/auth/admin/users/:id/mfa", summary: "Turn the user's TOTP off (lost device)", tag: "admin",
    auth: "access", success: { 204: DONE }, errors: ONE_USER,
  },
  listEvents: {
    method: "get", path: "/auth/admin/events", summary: "The audit log, newest first", tag: "admin", auth: "access",
    query: { user_id: "only this user's events", type: "only events of this type", ...PAGE_QUERY },
    success: { 200: { description: "A page of events", schema: AdminEventListResponse } }, errors: GUARD,
  },
} satisfies Record<string, RouteDoc>;
