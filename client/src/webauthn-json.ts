/**
 * WebAuthn JSON forms (W3C WebAuthn Level 3) the passkey endpoints exchange.
 * The options are the contract's answers (the members the gateway guarantees,
 * contract.gen.ts) plus the optional standard members the WebAuthn library
 * may add. The credential the browser returns is opaque to the gateway's
 * schema (the OpenAPI document describes it in words; src/passkeys/credential-json.ts
 * checks the members below), so its shape is the WebAuthn specification's.
 */
import type { Answer } from "./types";

export interface CredentialDescriptorJSON {
  id: string;
  type: "public-key";
  transports?: string[];
}

export type CreationOptionsJSON = Answer<"POST /auth/passkeys/register/options", 200> & {
  timeout?: number;
  excludeCredentials?: CredentialDescriptorJSON[];
  authenticatorSelection?: AuthenticatorSelectionCriteria;
  attestation?: AttestationConveyancePreference;
  extensions?: Record<string, unknown>;
};

export type RequestOptionsJSON = Answer<"POST /auth/passkeys/login/options", 200> & {
  timeout?: number;
  allowCredentials?: CredentialDescriptorJSON[];
  userVerification?: UserVerificationRequirement;
  extensions?: Record<string, unknown>;
};

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
