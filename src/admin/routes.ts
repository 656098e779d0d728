/** The `/auth/admin` router (API.md "Roles and the admin API"); unknown paths 404, wrong methods 405. */
import { Hono } from "hono";
import { fallbackHandler, type RouteShape } from "../http/method-router";
import type { AppEnv } from "../http/types";
import { logoutUserHandler, sendPasswordResetHandler, unlockUserHandler } from "./handlers/actions";
import { getUserHandler, listEventsHandler, listUsersHandler } from "./handlers/read";
import { updateUserHandler } from "./handlers/update";

const ROUTES: RouteShape[] = [
  { path: "/users", methods: ["GET"] },
  { path: "/users/:id", methods: ["GET", "PATCH"] },
  { path: "/users/:id/logout", methods: ["POST"] },
  { path: "/users/:id/unlock", methods: ["POST"] },
  { path: "/users/:id/password-reset", methods: ["POST"] },
  { path: "/events", methods: ["GET"] },
];

export function adminRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/users", listUsersHandler);
  r.get("/users/:id", getUserHandler);
  r.patch("/users/:id", updateUserHandler);
  r.post("/users/:id/logout", logoutUserHandler);
  r.post("/users/:id/unlock", unlockUserHandler);
  r.post("/users/:id/password-reset", sendPasswordResetHandler);
  r.get("/events", listEventsHandler);
  r.all("*", fallbackHandler(ROUTES, "/auth/admin"));
  return r;
}
