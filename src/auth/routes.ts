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
import { resetPasswordPage, verifyEmailPage } from "../pages";
import { adminRoutes } from "../admin/routes";
import { hostedPage } from "../pages/hosted";
import { loginHandler as passkeyLoginHandler, loginOptionsHandler as passkeyLoginOptionsHandler } from "../passkeys/login";
import { deletePasskeyHandler, listPasskeysHandler } from "../passkeys/manage";
import { registerHandler as passkeyRegisterHandler, registerOptionsHandler as passkeyRegisterOptionsHandler } from "../passkeys/registration";

const ROUTES: RouteShape[] = [
  { path: "/health", methods: ["GET"] },
  { path: "/.well-known/jwks.json", methods: ["GET"] },
  { path: "/register", methods: ["POST"] },
  { path: "/login", methods: ["POST"] },
  { path: "/refresh", methods: ["POST"] },
  { path: "/logout", methods: ["POST"] },
  { path: "/logout-all", methods: ["POST"] },
  { path: "/me", methods: ["GET"] },
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
];

export function authRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/health", healthHandler);
  r.get("/.well-known/jwks.json", jwksHandler);
  r.get("/register", hostedPage("register", ["POST"]));
  r.post("/register", registerHandler);
  r.get("/login", hostedPage("login", ["POST"]));
  r.post("/login", loginHandler);
  r.post("/refresh", refreshHandler);
  r.post("/logout", logoutHandler);
  r.post("/logout-all", logoutAllHandler);
  r.get("/me", meHandler);
  r.get("/sessions", listSessionsHandler);
  r.delete("/sessions/:id", deleteSessionHandler);
  r.post("/password/change", passwordChangeHandler);
  r.get("/password/forgot", hostedPage("forgot", ["POST"]));
  r.post("/password/forgot", forgotPasswordHandler);
  r.get("/password/reset", () => resetPasswordPage());
  r.post("/password/reset", resetPasswordHandler);
  r.post("/password/reset/check", resetCheckHandler);
  r.get("/email/verify", () => verifyEmailPage());
  r.post("/email/verify", verifyEmailHandler);
  r.post("/email/verify/request", requestVerificationHandler);
  r.route("/admin", adminRoutes());
  r.get("/passkeys", listPasskeysHandler);
  r.post("/passkeys/register/options", passkeyRegisterOptionsHandler);
  r.post("/passkeys/register", passkeyRegisterHandler);
  r.post("/passkeys/login/options", passkeyLoginOptionsHandler);
  r.post("/passkeys/login", passkeyLoginHandler);
  r.delete("/passkeys/:id", deletePasskeyHandler);
  r.all("*", fallbackHandler(ROUTES, "/auth"));
  return r;
}
