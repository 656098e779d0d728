/** What each core /auth endpoint takes and answers (API.md "Endpoints under /auth"). */
import { AcceptedResponse, HealthResponse, JwksResponse, LinkCheckResponse, OpenApiResponse, SessionResponse, SessionsResponse, UserResponse } from "../openapi/components";
import type { RouteDoc } from "../openapi/describe";
import {
  ForgotPasswordBody,
  LoginBody,
  PasswordChangeBody,
  RefreshTokenBody,
  RegisterBody,
  ResetPasswordBody,
  TokenBody,
} from "./schemas";

const SESSION_ANSWER = {
  description: "A session: cookies and `{user, expires_in}`, or the bearer body",
  schema: SessionResponse,
};
const NO_CONTENT = { description: "Done" };
const ACCEPTED = { description: "Accepted (the same bytes whatever the outcome)", schema: AcceptedResponse };
const HOSTED = { description: "The page; without Accept: text/html the path answers 405", html: true };
const PAGE = { description: "A small HTML page that completes the action in the browser", html: true };

export const coreRouteDocs = {
  health: {
    method: "get", path: "/auth/health", summary: "Database and KV checks", tag: "health", auth: "none",
    success: { 200: { description: "Every check passes", schema: HealthResponse } },
    errors: [],
  },
  jwks: {
    method: "get", path: "/auth/.well-known/jwks.json", summary: "Public keys that verify tokens and assertions",
    tag: "keys", auth: "none",
    success: { 200: { description: "The key set (empty under HS256), cacheable for 5 minutes", schema: JwksResponse } },
    errors: [],
  },
  openapi: {
    method: "get", path: "/auth/openapi.json", summary: "This document: OpenAPI 3.1 of every /auth endpoint",
    tag: "keys", auth: "none",
    success: { 200: { description: "The OpenAPI 3.1 document, cacheable for 5 minutes", schema: OpenApiResponse } },
    errors: [],
  },
  loginPage: {
    method: "get", path: "/auth/login", summary: "The hosted sign-in page (Accept: text/html)", tag: "pages",
    auth: "none", query: { next: "same-origin path to go to after signing in" }, success: { 200: HOSTED },
    errors: ["method_not_allowed"],
  },
  registerPage: {
    method: "get", path: "/auth/register", summary: "The hosted sign-up page (Accept: text/html)", tag: "pages",
    auth: "none", query: { next: "same-origin path to go to afterwards" }, success: { 200: HOSTED },
    errors: ["method_not_allowed"],
  },
  forgotPage: {
    method: "get", path: "/auth/password/forgot", summary: "The hosted forgot-password page (Accept: text/html)",
    tag: "pages", auth: "none", success: { 200: HOSTED }, errors: ["method_not_allowed"],
  },
  register: {
    method: "post", path: "/auth/register", summary: "Create an account", tag: "account", auth: "none",
    body: RegisterBody, success: { 202: ACCEPTED }, errors: ["weak_password"],
  },
  login: {
    method: "post", path: "/auth/login", summary: "Sign in with email and password", tag: "session", auth: "none",
    body: LoginBody, success: { 200: SESSION_ANSWER },
    errors: ["invalid_credentials", ["mfa_required", 401], "email_unverified", "account_disabled", "account_locked", "csrf_failed"],
  },
  refresh: {
    method: "post", path: "/auth/refresh", summary: "Rotate the refresh token", tag: "session", auth: "refresh",
    body: RefreshTokenBody, bodyOptional: true, success: { 200: SESSION_ANSWER },
    errors: ["invalid_token", "token_expired", "token_reused", "token_revoked", "account_disabled"],
  },
  logout: {
    method: "post", path: "/auth/logout", summary: "End this session", tag: "session", auth: "access-or-refresh",
    body: RefreshTokenBody, bodyOptional: true, success: { 204: NO_CONTENT }, errors: [],
  },
  logoutAll: {
    method: "post", path: "/auth/logout-all", summary: "End every session of the user", tag: "session", auth: "access",
    success: { 204: NO_CONTENT }, errors: [],
  },
  me: {
    method: "get", path: "/auth/me", summary: "The signed-in user", tag: "account", auth: "access",
    success: { 200: { description: "The user", schema: UserResponse } }, errors: [],
  },
  sessions: {
    method: "get", path: "/auth/sessions", summary: "The user's live sessions", tag: "session", auth: "access",
    success: { 200: { description: "Sessions", schema: SessionsResponse } }, errors: [],
  },
  deleteSession: {
    method: "delete", path: "/auth/sessions/:id", summary: "End one of the user's sessions", tag: "session",
    auth: "access", success: { 204: NO_CONTENT }, errors: ["not_found"],
  },
  passwordChange: {
    method: "post", path: "/auth/password/change", summary: "Change the password", tag: "password", auth: "access",
    body: PasswordChangeBody, success: { 204: NO_CONTENT },
    errors: ["invalid_credentials", "weak_password", "account_locked"],
  },
  passwordForgot: {
    method: "post", path: "/auth/password/forgot", summary: "Ask for a reset link", tag: "password", auth: "none",
    body: ForgotPasswordBody, success: { 202: ACCEPTED }, errors: [],
  },
  passwordResetPage: {
    method: "get", path: "/auth/password/reset", summary: "The reset page the emailed link opens", tag: "password",
    auth: "none", success: { 200: PAGE }, errors: [],
  },
  passwordReset: {
    method: "post", path: "/auth/password/reset", summary: "Set a new password with a reset token", tag: "password",
    auth: "none", body: ResetPasswordBody, success: { 204: NO_CONTENT },
    errors: [["invalid_token", 400], "weak_password"],
  },
  passwordResetCheck: {
    method: "post", path: "/auth/password/reset/check", summary: "Whether a reset link still works (spends nothing)",
    tag: "password", auth: "none", body: TokenBody,
    success: { 200: { description: "The link works", schema: LinkCheckResponse } }, errors: [["invalid_token", 400]],
  },
  verifyEmailPage: {
    method: "get", path: "/auth/email/verify", summary: "The verification page the emailed link opens", tag: "account",
    auth: "none", success: { 200: PAGE }, errors: [],
  },
  verifyEmail: {
    method: "post", path: "/auth/email/verify", summary: "Verify the email address with a token", tag: "account",
    auth: "none", body: TokenBody, success: { 200: { description: "The verified user", schema: UserResponse } },
    errors: [["invalid_token", 400]],
  },
  verifyEmailRequest: {
    method: "post", path: "/auth/email/verify/request", summary: "Send a new verification email", tag: "account",
    auth: "access", success: { 202: ACCEPTED }, errors: [],
  },
} satisfies Record<string, RouteDoc>;
