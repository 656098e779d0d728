/** The `/auth/admin` router (API.md "Roles and the admin API"); unknown paths 404, wrong methods 405. */
import { Hono } from "hono";
import { fallbackHandler, type RouteShape } from "../http/method-router";
import type { AppEnv } from "../http/types";
import { describe } from "../openapi/describe";
import { logoutUserHandler, removeMfaHandler, sendPasswordResetHandler, unlockUserHandler } from "./handlers/actions";
import { getUserHandler, listEventsHandler, listUsersHandler } from "./handlers/read";
import { updateUserHandler } from "./handlers/update";
import { adminRouteDocs as docs } from "./route-docs";

const ROUTES: RouteShape[] = [
  { path: "/users", methods: ["GET"] },
  { path: "/users/:id", methods: ["GET", "PATCH"] },
  { path: "/users/:id/logout", methods: ["POST"] },
  { path: "/users/:id/unlock", methods: ["POST"] },
  { path: "/users/:id/password-reset", methods: ["POST"] },
  { path: "/users/:id/mfa", methods: ["DELETE"] },
  { path: "/events", methods: ["GET"] },
];

export function adminRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/users", describe(docs.listUsers), listUsersHandler);
  r.get("/users/:id", describe(docs.getUser), getUserHandler);
  r.patch("/users/:id", describe(docs.updateUser), updateUserHandler);
  r.post("/users/:id/logout", describe(docs.logoutUser), logoutUserHandler);
  r.post("/users/:id/unlock", describe(docs.unlockUser), unlockUserHandler);
  r.post("/users/:id/password-reset", describe(docs.sendPasswordReset), sendPasswordResetHandler);
  r.delete("/users/:id/mfa", describe(docs.removeMfa), removeMfaHandler);
  r.get("/events", describe(docs.listEvents), listEventsHandler);
  r.all("*", fallbackHandler(ROUTES, "/auth/admin"));
  return r;
}
