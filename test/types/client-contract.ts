/**
 * Compile-time proof (run by `npm run typecheck`, no runtime part) that the
 * browser client's types, generated from the OpenAPI document
 * (client/src/contract.gen.ts), are exactly what the server's valibot schemas
 * accept and answer: a schema change that the document or the generated file
 * does not follow makes one of these lines a type error.
 */
import type * as v from "valibot";
import type { Body, Passkey, SessionInfo, SessionResponse, User } from "../../client/src/types";
import type { LoginBody, RegisterBody } from "../../src/auth/schemas";
import type { LoginMfaBody } from "../../src/mfa/schemas";
import type { CookieSessionResponse, SessionsResponse, UserSchema } from "../../src/openapi/components";
import type { PasskeyListResponse } from "../../src/passkeys/schemas";

/** True only when A and B are the same type (not merely mutually assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export type ClientContractChecks = [
  Assert<Equals<User, v.InferOutput<typeof UserSchema>>>,
  Assert<Equals<SessionResponse, v.InferOutput<typeof CookieSessionResponse>>>,
  Assert<Equals<SessionInfo, v.InferOutput<typeof SessionsResponse>["sessions"][number]>>,
  Assert<Equals<Passkey, v.InferOutput<typeof PasskeyListResponse>["passkeys"][number]>>,
  Assert<Equals<Body<"POST /auth/register">, v.InferInput<typeof RegisterBody>>>,
  Assert<Equals<Body<"POST /auth/login">, v.InferInput<typeof LoginBody>>>,
  Assert<Equals<Body<"POST /auth/login/mfa">, v.InferInput<typeof LoginMfaBody>>>,
];
