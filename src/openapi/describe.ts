/**
 * One description per endpoint, from which both the OpenAPI operation
 * (through hono-openapi's `describeRoute`) and the test suite's response
 * conformance check are derived. The request body schema here is the very
 * object the handler validates with (`parseBody`), so the document cannot
 * drift from what the endpoint accepts.
 */
import { describeRoute, resolver } from "hono-openapi";
import type { MiddlewareHandler } from "hono";
import type * as v from "valibot";
import { ERROR_CODES, type ErrorCode } from "../errors";
import type { BodySchema } from "../http/schema";
import { problemSchema } from "./components";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** Who may call it: nobody in particular, an access token, a refresh token, or either. */
export type Auth = "none" | "access" | "refresh" | "access-or-refresh";

export interface SuccessDoc {
  description: string;
  /** JSON body; omitted for empty answers (204) and HTML pages. */
  schema?: v.GenericSchema;
  /** An HTML page instead of JSON. */
  html?: boolean;
}

export interface RouteDoc {
  method: Method;
  /** The full Hono path, e.g. `/auth/sessions/:id`. */
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  body?: BodySchema;
  /** A body may be left out entirely (logout, refresh by cookie). */
  bodyOptional?: boolean;
  query?: Record<string, string>;
  success: Record<number, SuccessDoc>;
  /** Error codes the endpoint answers, each at its API.md status unless given as `[code, status]`. */
  errors: readonly (ErrorCode | readonly [ErrorCode, number])[];
}

const ACCESS_ERRORS: ErrorCode[] = ["unauthorized", "invalid_token", "token_expired", "token_revoked"];
const ALWAYS: ErrorCode[] = ["rate_limited", "service_unavailable", "internal_error"];
const BODY_ERRORS: ErrorCode[] = ["payload_too_large", "validation_failed"];
const UNSAFE = new Set<Method>(["post", "put", "patch", "delete"]);

/** Every error status of a route with the codes it may carry, generic ones included. */
export function errorStatuses(doc: RouteDoc): Map<number, ErrorCode[]> {
  const all: Array<readonly [ErrorCode, number]> = [];
  const add = (code: ErrorCode, status = ERROR_CODES[code].status as number) => all.push([code, status]);
  for (const e of doc.errors) typeof e === "string" ? add(e) : add(e[0], e[1]);
  if (doc.auth === "access" || doc.auth === "access-or-refresh") ACCESS_ERRORS.forEach((c) => add(c));
  if (doc.auth !== "none" && UNSAFE.has(doc.method)) add("csrf_failed");
  if (doc.body) BODY_ERRORS.forEach((c) => add(c));
  // Query parameters and path ids are validated too (422 with the offending name).
  if (doc.query || doc.path.includes(":")) add("validation_failed");
  // A path parameter that still holds an encoded `/`, `\` or `..` is refused before routing.
  if (doc.path.includes(":")) add("bad_path");
  ALWAYS.forEach((c) => add(c));
  const out = new Map<number, ErrorCode[]>();
  for (const [code, status] of all) {
    const codes = out.get(status) ?? [];
    if (!codes.includes(code)) codes.push(code);
    out.set(status, codes);
  }
  return out;
}

const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  none: [],
  access: [{ bearerAuth: [] }, { accessCookie: [] }],
  refresh: [{ refreshCookie: [] }, {}],
  "access-or-refresh": [{ bearerAuth: [] }, { accessCookie: [] }, { refreshCookie: [] }, {}],
};

/** The OpenAPI operation object for a route (schemas left for hono-openapi to resolve). */
function operation(doc: RouteDoc) {
  const responses: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(doc.success)) {
    responses[status] = {
      description: s.description,
      ...(s.schema ? { content: { "application/json": { schema: resolver(s.schema) } } } : {}),
      ...(s.html ? { content: { "text/html": { schema: { type: "string" } } } } : {}),
    };
  }
  for (const [status, codes] of errorStatuses(doc)) {
    responses[String(status)] = {
      description: codes.map((c) => `\`${c}\``).join(", "),
      content: { "application/problem+json": { schema: resolver(problemSchema(codes)) } },
    };
  }
  const params = [...doc.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const query = Object.entries(doc.query ?? {}).map(([name, description]) => ({
    name,
    in: "query",
    required: false,
    description,
    schema: { type: "string" },
  }));
  return {
    summary: doc.summary,
    tags: [doc.tag],
    security: SECURITY[doc.auth],
    ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: !doc.bodyOptional,
            content: { "application/json": { schema: resolver(doc.body) } },
          },
        }
      : {}),
    responses,
  };
}

const registry = new Map<string, RouteDoc>();

/** Every route described so far (the conformance check and the coverage test read it). */
export function describedRoutes(): readonly RouteDoc[] {
  return [...registry.values()];
}

/**
 * Records a route's description and returns the middleware that carries it
 * into the generated document.
 *
 * @example
 * authRouter.post("/login", describe(loginDoc), loginHandler); // loginDoc.path = "/auth/login"
 */
export function describe(doc: RouteDoc): MiddlewareHandler {
  registry.set(`${doc.method} ${doc.path}`, doc);
  return describeRoute(operation(doc) as Parameters<typeof describeRoute>[0]);
}
