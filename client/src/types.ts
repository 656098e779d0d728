/**
 * The client's public types, derived from the gateway's contract
 * (contract.gen.ts, generated from GET /auth/openapi.json, which is generated
 * from the valibot schemas the endpoints validate with). Nothing here restates
 * a wire shape: a field the server renames or retypes breaks the client's
 * compile once contract.gen.ts is regenerated, and the contract test fails
 * until it is (test/integration/client-contract.test.ts).
 */
import type { ErrorCode, Operations, Problem as ProblemOf } from "./contract.gen";

export type { ErrorCode, Operations } from "./contract.gen";

/** `METHOD /path` of a gateway operation the client calls. */
export type Operation = keyof Operations;
/** The JSON body an operation takes (`never`: none). */
export type Body<K extends Operation> = Operations[K]["body"];
/** The JSON an operation answers with at a success status. */
export type Answer<K extends Operation, S extends keyof Operations[K]["answers"]> = Operations[K]["answers"][S];

/** A cookie-transport session (the client never asks for bearer tokens; they stay in HttpOnly cookies). */
export type SessionResponse = Exclude<Answer<"POST /auth/login", 200>, { access_token: string }>;

/** API.md `User`. */
export type User = Answer<"GET /auth/me", 200>["user"];

export type SessionInfo = Answer<"GET /auth/sessions", 200>["sessions"][number];

export type Passkey = Answer<"GET /auth/passkeys", 200>["passkeys"][number];

/** A password login's 401: `invalid_credentials`, or `mfa_required` with `mfa_token` and `methods`. */
export type LoginRefusal = Operations["POST /auth/login"]["problems"][401];

export type MfaMethod = NonNullable<LoginRefusal["methods"]>[number];

/** RFC 9457 problem details of any gateway answer (with the MFA step's members when `code` is `mfa_required`). */
export type Problem = ProblemOf<ErrorCode> & Partial<Pick<LoginRefusal, "mfa_token" | "methods">>;

/** The second step of a login whose account has TOTP on. */
export interface MfaChallenge {
  mfaToken: string;
  methods: MfaMethod[];
}

export type SignInResult = { status: "signed_in"; user: User } | { status: "mfa_required"; challenge: MfaChallenge };

type MfaBody = Required<Body<"POST /auth/login/mfa">>;
/** `POST /auth/login/mfa`: exactly one of `code` and `recovery_code`. */
export type MfaProof = Pick<MfaBody, "code"> | Pick<MfaBody, "recovery_code">;
