/**
 * Errors with the stable codes of API.md, and their RFC 9457 rendering.
 *
 * Handlers throw `GatewayError`s; the one `onError` in app.ts turns them into
 * problem+json. Anything else becomes a generic 500 `internal_error`: its
 * message is never shown to a client or written to a log line a client could read.
 */

export const ERROR_CODES = {
  validation_failed: { status: 422, title: "Validation failed" },
  weak_password: { status: 422, title: "Password too weak" },
  email_taken: { status: 409, title: "Email already registered" },
  invalid_credentials: { status: 401, title: "Invalid credentials" },
  email_unverified: { status: 403, title: "Email not verified" },
  account_locked: { status: 429, title: "Account temporarily locked" },
  account_disabled: { status: 403, title: "Account disabled" },
  rate_limited: { status: 429, title: "Too many requests" },
  unauthorized: { status: 401, title: "Authentication required" },
  invalid_token: { status: 401, title: "Invalid token" },
  token_expired: { status: 401, title: "Token expired" },
  token_revoked: { status: 401, title: "Token revoked" },
  token_reused: { status: 401, title: "Refresh token reused" },
  csrf_failed: { status: 403, title: "Cross-site request refused" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  mfa_required: { status: 403, title: "Second factor required" },
  invalid_code: { status: 401, title: "Invalid code" },
  conflict: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  bad_path: { status: 400, title: "Bad path" },
  upstream_unavailable: { status: 502, title: "Upstream unavailable" },
  upstream_timeout: { status: 504, title: "Upstream timeout" },
  service_unavailable: { status: 503, title: "Service unavailable" },
  internal_error: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  field: string;
  message: string;
}

export interface GatewayErrorOptions {
  /** Overrides the code's default status (e.g. `invalid_token` is 400 on password reset). */
  status?: number;
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
  /** Extra members of the problem body (RFC 9457 extensions), e.g. `mfa_token` and `methods`. */
  extensions?: Record<string, unknown>;
}

/** An error a client may see: its `detail` must never hold a secret, SQL or a host name. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;
  readonly extensions?: Record<string, unknown>;

  constructor(code: ErrorCode, detail?: string, options: GatewayErrorOptions = {}) {
    super(detail ?? ERROR_CODES[code].title, { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.detail = detail ?? ERROR_CODES[code].title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions;
  }
}

/** A dependency (Postgres, KV, the limiter) failed: answer 503, fail closed. */
export class DependencyError extends GatewayError {
  readonly dependency: string;
  constructor(dependency: string, cause?: unknown) {
    super("service_unavailable", "A service the gateway depends on is unavailable; try again shortly", {
      cause,
    });
    this.name = "DependencyError";
    this.dependency = dependency;
  }
}

export function validationError(errors: FieldError[]): GatewayError {
  return new GatewayError("validation_failed", "The request body is not valid", { errors });
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  request_id?: string;
  [extension: string]: unknown;
}

export function problemBody(err: GatewayError, requestId?: string): ProblemBody {
  const body: ProblemBody = {
    ...err.extensions,
    type: `urn:tdah-gateway:problem:${err.code}`,
    title: ERROR_CODES[err.code].title,
    status: err.status,
    detail: err.detail,
    code: err.code,
  };
  if (err.errors) body.errors = err.errors;
  if (requestId) body.request_id = requestId;
  return body;
}

/** Renders a problem+json response; `headers` are added to the error's own. */
export function problemResponse(
  err: GatewayError,
  requestId?: string,
  headers: Record<string, string> = {},
): Response {
  const h = new Headers({
    "content-type": "application/problem+json",
    "cache-control": "no-store",
    ...err.headers,
    ...headers,
  });
  if (requestId) h.set("x-request-id", requestId);
  return new Response(JSON.stringify(problemBody(err, requestId)), { status: err.status, headers: h });
}
