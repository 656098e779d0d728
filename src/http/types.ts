import type { Deps } from "../deps";

/** The identity of an authenticated request, from a verified access token. */
export interface Principal {
  userId: string;
  sessionId: string;
  jti: string;
  email: string;
  emailVerified: boolean;
  roles: string[];
  /** RFC 8176 methods of the session (`["pwd"]`, `["pwd","otp","mfa"]`, `["hwk","mfa"]`). */
  amr: string[];
  issuedAt: number;
  expiresAt: number;
  /** How the token arrived: cookie-authenticated requests are subject to CSRF checks. */
  via: "bearer" | "cookie";
}

export interface AppVariables {
  requestId: string;
  deps: Deps;
  principal?: Principal;
  /** Headers every response to this request carries, errors included (RateLimit-*). */
  stickyHeaders?: Record<string, string>;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
