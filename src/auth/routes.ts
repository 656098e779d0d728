/** The `/auth` router: mounts each endpoint; unknown paths 404, wrong methods 405. */
import { Hono } from "hono";
import { fallbackHandler, type RouteShape } from "../http/method-router";
import type { AppEnv } from "../http/types";
import { deleteSessionHandler, listSessionsHandler, meHandler } from "./handlers/account";
import { resetCheckHandler } from "./handlers/link-check";
import { loginHandler } from "./handlers/login";
import { logoutAllHandler, logoutHandler } from "./handlers/logout";
import { passwordChangeHandler } from "./handlers/password-change";
import { refreshHandler } from "./handlers/refresh";
import { registerHandler } from "./handlers/register";
import {
  forgotPasswordHandler,
  requestVerificationHandler,
  resetPasswordHandler,
  verifyEmailHandler,
} from "./handlers/recovery";
import { jwksHandler } from "./handlers/jwks";
import { healthHandler } from "./health";
import { adminRoutes } from "../admin/routes";
import { describe } from "../openapi/describe";
import { openApiDocument } from "../openapi/document";
import { passkeyRouteDocs as pk } from "../passkeys/route-docs";
import { mfaRouteDocs as mfa } from "../mfa/route-docs";
import { coreRouteDocs as docs } from "./route-docs";
import { accountRouteDocs as acct } from "../account/route-docs";
import { hostedPage } from "../pages/hosted";
import { loginHandler as passkeyLoginHandler, loginOptionsHandler as passkeyLoginOptionsHandler } from "../passkeys/login";
import { deletePasskeyHandler, listPasskeysHandler } from "../passkeys/manage";
import { registerHandler as passkeyRegisterHandler, registerOptionsHandler as passkeyRegisterOptionsHandler } from "../passkeys/registration";
import { emailChangePage, resetPasswordPage, verifyEmailPage } from "../pages";
import { deleteAccountHandler } from "../account/delete";
import { emailChangeConfirmHandler, emailChangeRequestHandler } from "../account/email-change";
import { updateProfileHandler } from "../account/profile";
import { mfaStatusHandler, totpConfirmHandler, totpSetupHandler } from "../mfa/handlers/enrol";
import { loginMfaHandler } from "../mfa/handlers/login-mfa";
import { disableTotpHandler, regenerateRecoveryCodesHandler } from "../mfa/handlers/manage";

const ROUTES: RouteShape[] = [
  { path: "/health", methods: ["GET"] },
  { path: "/.well-known/jwks.json", methods: ["GET"] },
  { path: "/openapi.json", methods: ["GET"] },
  { path: "/register", methods: ["POST"] },
  { path: "/login", methods: ["POST"] },
  { path: "/refresh", methods: ["POST"] },
  { path: "/logout", methods: ["POST"] },
  { path: "/logout-all", methods: ["POST"] },
  { path: "/me", methods: ["GET", "PATCH", "DELETE"] },
  { path: "/sessions", methods: ["GET"] },
  { path: "/sessions/:id", methods: ["DELETE"] },
  { path: "/password/change", methods: ["POST"] },
  { path: "/password/forgot", methods: ["POST"] },
  { path: "/password/reset", methods: ["GET", "POST"] },
  { path: "/password/reset/check", methods: ["POST"] },
  { path: "/email/verify", methods: ["GET", "POST"] },
  { path: "/email/verify/request", methods: ["POST"] },
  { path: "/passkeys", methods: ["GET"] },
  { path: "/passkeys/:id", methods: ["DELETE"] },
  { path: "/passkeys/register/options", methods: ["POST"] },
  { path: "/passkeys/register", methods: ["POST"] },
  { path: "/passkeys/login/options", methods: ["POST"] },
  { path: "/passkeys/login", methods: ["POST"] },
  { path: "/email/change", methods: ["GET", "POST"] },
  { path: "/email/change/confirm", methods: ["POST"] },
  { path: "/login/mfa", methods: ["POST"] },
  { path: "/mfa", methods: ["GET"] },
  { path: "/mfa/totp/setup", methods: ["POST"] },
  { path: "/mfa/totp/confirm", methods: ["POST"] },
  { path: "/mfa/totp", methods: ["DELETE"] },
  { path: "/mfa/recovery-codes", methods: ["POST"] },
];

export function authRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/health", describe(docs.health), healthHandler);
  r.get("/.well-known/jwks.json", describe(docs.jwks), jwksHandler);
  r.get("/register", describe(docs.registerPage), hostedPage("register", ["POST"]));
  r.post("/register", describe(docs.register), registerHandler);
  r.get("/login", describe(docs.loginPage), hostedPage("login", ["POST"]));
  r.post("/login", describe(docs.login), loginHandler);
  r.post("/refresh", describe(docs.refresh), refreshHandler);
  r.post("/logout", describe(docs.logout), logoutHandler);
  r.post("/logout-all", describe(docs.logoutAll), logoutAllHandler);
  r.get("/me", describe(docs.me), meHandler);
  r.patch("/me", describe(acct.updateProfile), updateProfileHandler);
  r.delete("/me", describe(acct.deleteAccount), deleteAccountHandler);
  r.get("/sessions", describe(docs.sessions), listSessionsHandler);
  r.delete("/sessions/:id", describe(docs.deleteSession), deleteSessionHandler);
  r.post("/password/change", describe(docs.passwordChange), passwordChangeHandler);
  r.get("/password/forgot", describe(docs.forgotPage), hostedPage("forgot", ["POST"]));
  r.post("/password/forgot", describe(docs.passwordForgot), forgotPasswordHandler);
  r.get("/password/reset", describe(docs.passwordResetPage), () => resetPasswordPage());
  r.post("/password/reset", describe(docs.passwordReset), resetPasswordHandler);
  r.post("/password/reset/check", describe(docs.passwordResetCheck), resetCheckHandler);
  r.get("/email/verify", describe(docs.verifyEmailPage), () => verifyEmailPage());
  r.post("/email/verify", describe(docs.verifyEmail), verifyEmailHandler);
  r.post("/email/verify/request", describe(docs.verifyEmailRequest), requestVerificationHandler);
  r.route("/admin", adminRoutes());
  r.get("/passkeys", describe(pk.list), listPasskeysHandler);
  r.post("/passkeys/register/options", describe(pk.registerOptions), passkeyRegisterOptionsHandler);
  r.post("/passkeys/register", describe(pk.register), passkeyRegisterHandler);
  r.post("/passkeys/login/options", describe(pk.loginOptions), passkeyLoginOptionsHandler);
  r.post("/passkeys/login", describe(pk.login), passkeyLoginHandler);
  r.delete("/passkeys/:id", describe(pk.remove), deletePasskeyHandler);
  r.get("/email/change", describe(acct.emailChangePage), () => emailChangePage());
  r.post("/email/change", describe(acct.emailChange), emailChangeRequestHandler);
  r.post("/email/change/confirm", describe(acct.emailChangeConfirm), emailChangeConfirmHandler);
  r.post("/login/mfa", describe(mfa.loginMfa), loginMfaHandler);
  r.get("/mfa", describe(mfa.status), mfaStatusHandler);
  r.post("/mfa/totp/setup", describe(mfa.totpSetup), totpSetupHandler);
  r.post("/mfa/totp/confirm", describe(mfa.totpConfirm), totpConfirmHandler);
  r.delete("/mfa/totp", describe(mfa.totpDisable), disableTotpHandler);
  r.post("/mfa/recovery-codes", describe(mfa.recoveryCodes), regenerateRecoveryCodesHandler);
  r.get("/openapi.json", describe(docs.openapi), openApiDocument(r, "/auth"));
  r.all("*", fallbackHandler(ROUTES, "/auth"));
  return r;
}
