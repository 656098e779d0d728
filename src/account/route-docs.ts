/** What the account self-service endpoints take and answer (API.md: PATCH/DELETE /auth/me, email change). */
import { AcceptedResponse, UserResponse } from "../openapi/components";
import type { RouteDoc } from "../openapi/describe";
import { DeleteAccountBody, EmailChangeBody, EmailChangeConfirmBody, UpdateProfileBody } from "./schemas";

export const accountRouteDocs = {
  updateProfile: {
    method: "patch", path: "/auth/me", summary: "Change the display name (null clears it)", tag: "account",
    auth: "access", body: UpdateProfileBody,
    success: { 200: { description: "The updated user", schema: UserResponse } }, errors: [],
  },
  deleteAccount: {
    method: "delete", path: "/auth/me",
    summary: "Delete the account (password re-checked, and a TOTP or recovery code when TOTP is on; every session ends)",
    tag: "account", auth: "access", body: DeleteAccountBody,
    success: { 204: { description: "Erased" } }, errors: ["invalid_credentials", "invalid_code", "account_locked"],
  },
  emailChange: {
    method: "post", path: "/auth/email/change", summary: "Ask to move the account to a new email address",
    tag: "account", auth: "access", body: EmailChangeBody,
    success: { 202: { description: "Accepted (the same bytes whether the address is free or taken)", schema: AcceptedResponse } },
    errors: ["invalid_credentials", "account_locked"],
  },
  emailChangePage: {
    method: "get", path: "/auth/email/change", summary: "The confirmation page the emailed link opens", tag: "account",
    auth: "none", success: { 200: { description: "A small HTML page that completes the action in the browser", html: true } },
    errors: [],
  },
  emailChangeConfirm: {
    method: "post", path: "/auth/email/change/confirm", summary: "Confirm the new address with the emailed token",
    tag: "account", auth: "none", body: EmailChangeConfirmBody,
    success: { 200: { description: "The user, with the new address", schema: UserResponse } },
    errors: [["invalid_token", 400], "conflict"],
  },
} satisfies Record<string, RouteDoc>;
