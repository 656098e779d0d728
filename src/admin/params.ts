/**
 * Query strings and path ids of the admin API, validated strictly: unknown
 * or repeated parameters, a `limit` outside 1–100 and malformed query ids are
 * 422 `validation_failed`, so a typo never silently widens a listing. A path
 * id that cannot be a user's names no user: 404 `not_found` (ids are opaque
 * strings to a client, API.md lists only 404 for them).
 */
import type { Context } from "hono";
import { GatewayError, validationError, type FieldError } from "../errors";
import type { AppEnv } from "../http/types";

const ID_RE = /^[1-9][0-9]{0,15}$/;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

/** A user or event id from a path or a query ("42"); 422 when it cannot be one. */
export function parseId(raw: string | undefined, field: string): number {
  if (raw === undefined || !ID_RE.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw validationError([{ field, message: "must be a positive integer id" }]);
  }
  return Number(raw);
}

/** The user id of a `/users/{id}` path; 404 `not_found` when it cannot be one. */
export function parsePathId(raw: string | undefined): number {
  if (raw === undefined || !ID_RE.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new GatewayError("not_found", "No such user");
  }
  return Number(raw);
}

/** The request's query as single values, refusing names outside `allowed` and repeats. */
export function queryParams(c: Context<AppEnv>, allowed: readonly string[]): Map<string, string> {
  const url = new URL(c.req.url);
  const errors: FieldError[] = [];
  const out = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!allowed.includes(name)) errors.push({ field: name.slice(0, 64), message: "unknown query parameter" });
    else if (out.has(name)) errors.push({ field: name, message: "must be given once" });
    else out.set(name, value);
  }
  if (errors.length > 0) throw validationError(errors);
  return out;
}

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^[0-9]{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
    throw validationError([{ field: "limit", message: `must be an integer from 1 to ${MAX_LIMIT}` }]);
  }
  return Number(raw);
}
