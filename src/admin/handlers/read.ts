/**
 * GET /auth/admin/users (search and keyset pages by id), GET
 * /auth/admin/users/{id} (with live sessions and MFA state) and GET
 * /auth/admin/events (newest first, by user and/or type).
 */
import type { Context } from "hono";
import { listLiveSessions } from "../../db/repositories/tokens";
import { GatewayError, validationError } from "../../errors";
import type { AppEnv } from "../../http/types";
import { cursorCodec } from "../cursor";
import { requireAdmin } from "../guard";
import { adminSessionJson, adminUserJson, eventJson } from "../json";
import { parseId, parseLimit, parsePathId, queryParams } from "../params";
import { findUserWithMfa, listEvents, listUsers } from "../queries";

const NO_STORE = { "cache-control": "no-store" };
const MAX_QUERY = 200;
const EVENT_TYPE_RE = /^[a-z][a-z0-9_.]{0,63}$/;

export async function listUsersHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  await requireAdmin(c);
  const params = queryParams(c, ["q", "cursor", "limit"]);
  const q = (params.get("q") ?? "").trim();
  if (q.length > MAX_QUERY || !q.isWellFormed() || q.includes("\u0000")) {
    throw validationError([{ field: "q", message: `must be text of at most ${MAX_QUERY} characters` }]);
  }
  const limit = parseLimit(params.get("limit"));
  const cursors = cursorCodec(deps.config.jwtSecret);
  const filter = `q=${q.toLowerCase()}`;
  const cursor = params.get("cursor");
  const afterId = cursor === undefined ? undefined : await cursors.decode("users", filter, cursor);
  const db = deps.db();
  const rows = await listUsers(db, { q: q || undefined, afterId, limit });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? await cursors.encode("users", filter, last.user.id) : null;
  return c.json({ users: page.map((r) => adminUserJson(r.user, r.mfa)), next_cursor: next }, 200, NO_STORE);
}

export async function getUserHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  await requireAdmin(c);
  const id = parsePathId(c.req.param("id"));
  const db = deps.db();
  const [found, sessions] = await Promise.all([
    findUserWithMfa(db, id),
    listLiveSessions(db, id, new Date(deps.now()), deps.config.sessionMaxAge),
  ]);
  if (!found) throw new GatewayError("not_found", "No such user");
  return c.json(
    { user: adminUserJson(found.user, found.mfa), sessions: sessions.map(adminSessionJson) },
    200,
    NO_STORE,
  );
}

export async function listEventsHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  await requireAdmin(c);
  const params = queryParams(c, ["user_id", "type", "cursor", "limit"]);
  const userIdRaw = params.get("user_id");
  const userId = userIdRaw === undefined ? undefined : parseId(userIdRaw, "user_id");
  const type = params.get("type");
  if (type !== undefined && !EVENT_TYPE_RE.test(type)) {
    throw validationError([{ field: "type", message: "must be an event type such as login_failed" }]);
  }
  const limit = parseLimit(params.get("limit"));
  const cursors = cursorCodec(deps.config.jwtSecret);
  const filter = `user_id=${userId ?? ""}&type=${type ?? ""}`;
  const cursor = params.get("cursor");
  const beforeId = cursor === undefined ? undefined : await cursors.decode("events", filter, cursor);
  const rows = await listEvents(deps.db(), { userId, type, beforeId, limit });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? await cursors.encode("events", filter, last.id) : null;
  return c.json({ events: page.map(eventJson), next_cursor: next }, 200, NO_STORE);
}
