/**
 * The gateway's contract for the browser client, GENERATED from GET /auth/openapi.json
 * (itself generated from the valibot schemas the endpoints validate with) by
 * test/integration/client-contract.test.ts: do not edit. Regenerate after a schema change with
 *   npx vitest run -u --project workers test/integration/client-contract.test.ts
 */

/** Every `code` a problem answer of these operations may carry. */
export type ErrorCode =
  | "account_disabled"
  | "account_locked"
  | "bad_path"
  | "conflict"
  | "csrf_failed"
  | "email_unverified"
  | "internal_error"
  | "invalid_code"
  | "invalid_credentials"
  | "invalid_token"
  | "mfa_required"
  | "not_found"
  | "payload_too_large"
  | "rate_limited"
  | "service_unavailable"
  | "token_expired"
  | "token_reused"
  | "token_revoked"
  | "unauthorized"
  | "validation_failed"
  | "weak_password";

/** RFC 9457 problem details, narrowed to the codes `C`. */
export type Problem<C extends ErrorCode = ErrorCode> = {
  code: C;
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{
    field: string;
    message: string;
    [key: string]: unknown;
  }>;
  request_id?: string;
  [key: string]: unknown;
};

/** Request body, answers (by status) and problems (by status) of each operation the client calls. */
export interface Operations {
  "POST /auth/register": {
    body: {
      email: string;
      password: string;
      full_name?: string;
    };
    answers: {
      202: {
        status: "accepted";
      };
    };
    problems: {
      413: Problem<"payload_too_large">;
      422: Problem<"weak_password" | "validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/login": {
    body: {
      email: string;
      password: string;
      transport?: "cookie" | "bearer";
    };
    answers: {
      200: {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        expires_in: number;
      } | {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        access_token: string;
        refresh_token: string;
        token_type: "Bearer";
        expires_in: number;
        refresh_expires_in: number;
      };
    };
    problems: {
      401: Problem<"invalid_credentials" | "mfa_required"> & {
        mfa_token?: string;
        methods?: Array<"totp" | "recovery_code">;
      };
      403: Problem<"email_unverified" | "account_disabled" | "csrf_failed">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"account_locked" | "rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/login/mfa": {
    body: {
      mfa_token: string;
      code?: string;
      recovery_code?: string;
      transport?: "cookie" | "bearer";
    };
    answers: {
      200: {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        expires_in: number;
      } | {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        access_token: string;
        refresh_token: string;
        token_type: "Bearer";
        expires_in: number;
        refresh_expires_in: number;
      };
    };
    problems: {
      400: Problem<"invalid_token">;
      401: Problem<"invalid_code">;
      403: Problem<"account_disabled" | "csrf_failed">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"account_locked" | "rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/refresh": {
    body: {
      refresh_token?: string;
    };
    answers: {
      200: {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        expires_in: number;
      } | {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        access_token: string;
        refresh_token: string;
        token_type: "Bearer";
        expires_in: number;
        refresh_expires_in: number;
      };
    };
    problems: {
      401: Problem<"invalid_token" | "token_expired" | "token_reused" | "token_revoked">;
      403: Problem<"account_disabled" | "csrf_failed">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/logout": {
    body: {
      refresh_token?: string;
    };
    answers: {
      204: undefined;
    };
    problems: {
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      403: Problem<"csrf_failed">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/logout-all": {
    body: never;
    answers: {
      204: undefined;
    };
    problems: {
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      403: Problem<"csrf_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "GET /auth/me": {
    body: never;
    answers: {
      200: {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
      };
    };
    problems: {
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "GET /auth/sessions": {
    body: never;
    answers: {
      200: {
        sessions: Array<{
          id: string;
          created_at: string;
          last_used_at: string | null;
          ip_address: string | null;
          user_agent: string | null;
          current: boolean;
        }>;
      };
    };
    problems: {
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/passkeys/register/options": {
    body: Record<string, never>;
    answers: {
      200: {
        challenge: string;
        rp: {
          id: string;
          name: string;
          [key: string]: unknown;
        };
        user: {
          id: string;
          name: string;
          displayName: string;
          [key: string]: unknown;
        };
        pubKeyCredParams: Array<{
          type: string;
          alg: number;
          [key: string]: unknown;
        }>;
        [key: string]: unknown;
      };
    };
    problems: {
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      403: Problem<"csrf_failed">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/passkeys/register": {
    body: {
      credential: unknown;
      name?: string;
    };
    answers: {
      201: {
        passkey: {
          id: string;
          name: string;
          created_at: string;
          last_used_at: string | null;
        };
      };
    };
    problems: {
      400: Problem<"invalid_token">;
      401: Problem<"invalid_credentials" | "unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      403: Problem<"csrf_failed">;
      409: Problem<"conflict">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "GET /auth/passkeys": {
    body: never;
    answers: {
      200: {
        passkeys: Array<{
          id: string;
          name: string;
          created_at: string;
          last_used_at: string | null;
        }>;
      };
    };
    problems: {
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "DELETE /auth/passkeys/{id}": {
    body: never;
    answers: {
      204: undefined;
    };
    problems: {
      400: Problem<"bad_path">;
      401: Problem<"unauthorized" | "invalid_token" | "token_expired" | "token_revoked">;
      403: Problem<"csrf_failed">;
      404: Problem<"not_found">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/passkeys/login/options": {
    body: Record<string, never>;
    answers: {
      200: {
        challenge: string;
        rpId: string;
        [key: string]: unknown;
      };
    };
    problems: {
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
  "POST /auth/passkeys/login": {
    body: {
      credential: unknown;
      transport?: "cookie" | "bearer";
    };
    answers: {
      200: {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        expires_in: number;
      } | {
        user: {
          id: string;
          email: string;
          full_name: string | null;
          email_verified: boolean;
          account_status: string;
          roles: Array<string>;
          created_at: string;
          last_login: string | null;
        };
        access_token: string;
        refresh_token: string;
        token_type: "Bearer";
        expires_in: number;
        refresh_expires_in: number;
      };
    };
    problems: {
      401: Problem<"invalid_credentials">;
      403: Problem<"account_disabled" | "email_unverified" | "csrf_failed">;
      413: Problem<"payload_too_large">;
      422: Problem<"validation_failed">;
      429: Problem<"rate_limited">;
      500: Problem<"internal_error">;
      503: Problem<"service_unavailable">;
    };
  };
}
