/** What each passkey endpoint takes and answers (API.md "Passkeys (WebAuthn)"). */
import { SessionResponse } from "../openapi/components";
import type { RouteDoc } from "../openapi/describe";
import {
  CreationOptionsResponse,
  EmptyBody,
  PasskeyListResponse,
  PasskeyLoginBody,
  PasskeyResponse,
  RegisterPasskeyBody,
  RequestOptionsResponse,
} from "./schemas";

export const passkeyRouteDocs = {
  registerOptions: {
    method: "post", path: "/auth/passkeys/register/options", summary: "Options to create a passkey", tag: "passkeys",
    auth: "access", body: EmptyBody, bodyOptional: true,
    success: { 200: { description: "PublicKeyCredentialCreationOptionsJSON", schema: CreationOptionsResponse } }, errors: [],
  },
  register: {
    method: "post", path: "/auth/passkeys/register", summary: "Register the created passkey", tag: "passkeys",
    auth: "access", body: RegisterPasskeyBody,
    success: { 201: { description: "The new passkey", schema: PasskeyResponse } },
    errors: [["invalid_token", 400], "invalid_credentials", "conflict"],
  },
  list: {
    method: "get", path: "/auth/passkeys", summary: "The user's passkeys", tag: "passkeys", auth: "access",
    success: { 200: { description: "Passkeys", schema: PasskeyListResponse } }, errors: [],
  },
  remove: {
    method: "delete", path: "/auth/passkeys/:id", summary: "Remove a passkey", tag: "passkeys", auth: "access",
    success: { 204: { description: "Removed" } }, errors: ["not_found"],
  },
  loginOptions: {
    method: "post", path: "/auth/passkeys/login/options", summary: "Options to sign in with a passkey", tag: "passkeys",
    auth: "none", body: EmptyBody, bodyOptional: true,
    success: { 200: { description: "PublicKeyCredentialRequestOptionsJSON", schema: RequestOptionsResponse } }, errors: [],
  },
  login: {
    method: "post", path: "/auth/passkeys/login", summary: "Sign in with a passkey (amr hwk, mfa)", tag: "passkeys",
    auth: "none", body: PasskeyLoginBody,
    success: { 200: { description: "A session, exactly as a login", schema: SessionResponse } },
    errors: ["invalid_credentials", "account_disabled", "email_unverified", "csrf_failed"],
  },
} satisfies Record<string, RouteDoc>;
