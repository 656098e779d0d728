/**
 * The gateway's HTTP contract (API.md) as TypeScript types: what the JSON
 * endpoints under `/auth` take and answer. Hand-written from the contract
 * until the OpenAPI document lands; field names are the wire names.
 */

/** API.md `User`. */
export interface User {
  id: string;
  email: string;
  full_name: string | null;
  email_verified: boolean;
  account_status: "active" | "disabled";
  roles: string[];
  created_at: string;
  last_login: string | null;
}

/** The stable `code` strings of API.md's error table (others may be added; kept open). */
export type ErrorCode =
  | "validation_failed"
  | "weak_password"
  | "invalid_credentials"
  | "email_unverified"
  | "account_disabled"
  | "account_locked"
  | "rate_limited"
  | "invalid_token"
  | "token_expired"
  | "token_reused"
  | "token_revoked"
  | "unauthorized"
  | "forbidden"
  | "mfa_required"
  | "invalid_code"
  | "csrf_failed"
  | "not_found"
  | "conflict"
  | "method_not_allowed"
  | "payload_too_large"
  | "service_unavailable"
  | "internal_error"
  | (string & {});

/** RFC 9457 problem details, as every gateway error is. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  errors?: { field: string; message: string }[];
  /** Only on 401 `mfa_required` from a password login. */
  mfa_token?: string;
  methods?: ("totp" | "recovery_code")[];
}

/** 200 of a cookie-transport login, refresh, MFA step or passkey login (tokens stay in HttpOnly cookies). */
export interface SessionResponse {
  user: User;
  expires_in: number;
}

/** The second step of a login whose account has TOTP on. */
export interface MfaChallenge {
  mfaToken: string;
  methods: ("totp" | "recovery_code")[];
}

export type SignInResult = { status: "signed_in"; user: User } | { status: "mfa_required"; challenge: MfaChallenge };

/** `POST /auth/login/mfa`: exactly one of `code` and `recovery_code`. */
export type MfaProof = { code: string } | { recovery_code: string };

export interface SessionInfo {
  id: string;
  created_at: string;
  last_used_at: string | null;
  ip_address: string | null;
  user_agent: string | null;
  current: boolean;
}

export interface Passkey {
  id: string;
  name: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** WebAuthn JSON forms (Level 3) the passkey endpoints exchange. */
export interface CreationOptionsJSON {
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  pubKeyCredParams: { type: "public-key"; alg: number }[];
  timeout?: number;
  excludeCredentials?: { id: string; type: "public-key"; transports?: string[] }[];
  authenticatorSelection?: AuthenticatorSelectionCriteria;
  attestation?: AttestationConveyancePreference;
  extensions?: Record<string, unknown>;
}

export interface RequestOptionsJSON {
  challenge: string;
  timeout?: number;
  rpId?: string;
  allowCredentials?: { id: string; type: "public-key"; transports?: string[] }[];
  userVerification?: UserVerificationRequirement;
  extensions?: Record<string, unknown>;
}

export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; attestationObject: string; transports?: string[] };
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment?: string;
}

export interface AuthenticationResponseJSON {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string };
  clientExtensionResults: Record<string, unknown>;
  authenticatorAttachment?: string;
}
