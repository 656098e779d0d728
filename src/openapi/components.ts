/**
 * Response shapes shared by the /auth endpoints, as valibot schemas: the
 * OpenAPI document is generated from them and the integration suite checks
 * every response it receives against them (test/helpers/conformance.ts).
 */
import * as v from "valibot";
import { ERROR_CODES, type ErrorCode } from "../errors";

const isoTime = v.pipe(v.string(), v.isoTimestamp());

/** API.md `User`: never a hash, a token or a failure counter (strict: no other member). */
export const UserSchema = v.strictObject({
  id: v.string(),
  email: v.string(),
  full_name: v.nullable(v.string()),
  email_verified: v.boolean(),
  account_status: v.string(),
  roles: v.array(v.string()),
  created_at: isoTime,
  last_login: v.nullable(isoTime),
});

export const UserResponse = v.strictObject({ user: UserSchema });

/** A cookie-transport login or refresh: the tokens ride in cookies only. */
export const CookieSessionResponse = v.strictObject({ user: UserSchema, expires_in: v.number() });

/** A bearer-transport login or refresh. */
export const BearerSessionResponse = v.strictObject({
  user: UserSchema,
  access_token: v.string(),
  refresh_token: v.string(),
  token_type: v.literal("Bearer"),
  expires_in: v.number(),
  refresh_expires_in: v.number(),
});

export const SessionResponse = v.union([CookieSessionResponse, BearerSessionResponse]);

/** A reset link that still works, and whose account it opens (for password managers). */
export const LinkCheckResponse = v.strictObject({ valid: v.literal(true), email: v.string() });

export const AcceptedResponse = v.strictObject({ status: v.literal("accepted") });

export const SessionsResponse = v.strictObject({
  sessions: v.array(
    v.strictObject({
      id: v.string(),
      created_at: isoTime,
      last_used_at: v.nullable(isoTime),
      ip_address: v.nullable(v.string()),
      user_agent: v.nullable(v.string()),
      current: v.boolean(),
    }),
  ),
});

/** GET /auth/openapi.json: an OpenAPI 3.1 document (its parts are described by the OpenAPI specification). */
export const OpenApiResponse = v.looseObject({
  openapi: v.string(),
  info: v.looseObject({ title: v.string(), version: v.string() }),
  paths: v.record(v.string(), v.unknown()),
});

/** Public keys only: a private member (`d`) would fail this schema. */
export const JwksResponse = v.strictObject({
  keys: v.array(
    v.strictObject({
      kty: v.picklist(["OKP", "EC"]),
      crv: v.picklist(["Ed25519", "P-256"]),
      x: v.string(),
      y: v.optional(v.string()),
      kid: v.string(),
      alg: v.picklist(["EdDSA", "ES256"]),
      use: v.literal("sig"),
    }),
  ),
});

const checkState = v.picklist(["ok", "failing"]);
export const HealthResponse = v.strictObject({
  status: v.literal("ok"),
  checks: v.record(v.string(), checkState),
});

const ALL_CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** What a 401 `mfa_required` from a password login adds (API.md "Multi-factor authentication"). */
const MFA_STEP = {
  mfa_token: v.optional(v.pipe(v.string(), v.metadata({ description: "Opaque, single-use, 5 minutes: send it to POST /auth/login/mfa" }))),
  methods: v.optional(v.array(v.picklist(["totp", "recovery_code"]))),
};

/**
 * RFC 9457 problem details; `codes` narrows `code` to what the endpoint
 * documents for that status. Extra members (`checks`) are allowed; where
 * `mfa_required` is among the codes, its `mfa_token` and `methods` are described.
 */
export function problemSchema(codes: readonly ErrorCode[] = ALL_CODES) {
  const entries = {
    type: v.string(),
    title: v.string(),
    status: v.number(),
    detail: v.string(),
    code: v.picklist(codes.length > 0 ? (codes as [ErrorCode, ...ErrorCode[]]) : ALL_CODES),
    errors: v.optional(v.array(v.object({ field: v.string(), message: v.string() }))),
    request_id: v.optional(v.string()),
  };
  return codes.includes("mfa_required") ? v.object({ ...entries, ...MFA_STEP }) : v.object(entries);
}
