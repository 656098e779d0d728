/**
 * Bodies and answers of the passkey endpoints as valibot schemas (the
 * handlers validate the top level with them; the OpenAPI document is
 * generated from them). The WebAuthn credential itself is checked member by
 * member in credential-json.ts before the library sees its bytes.
 */
import * as v from "valibot";
import { oneOf, text } from "../http/schema";

/**
 * The browser's WebAuthn credential JSON (W3C WebAuthn Level 3, what
 * `PublicKeyCredential.toJSON()` returns), opaque to the schema: the members
 * named in the description are checked by credential-json.ts, the bytes by
 * @simplewebauthn/server.
 */
const credential = (json: string, response: string) =>
  v.pipe(
    v.unknown(),
    v.metadata({
      description:
        `The browser's WebAuthn ${json} (W3C WebAuthn Level 3: what PublicKeyCredential.toJSON() returns), passed as-is. ` +
        'The gateway checks its shape only: `id` and `rawId` (the same base64url string), `type` "public-key", optional ' +
        '`authenticatorAttachment` ("platform" or "cross-platform") and `clientExtensionResults` (an object), and ' +
        `\`response\` with ${response}; any other member is 422 validation_failed. The bytes are verified by a WebAuthn library.`,
    }),
  );

export const EmptyBody = v.strictObject({});
const registration = credential(
  "RegistrationResponseJSON",
  "`clientDataJSON` and `attestationObject` (base64url), optional `authenticatorData` and `publicKey` (base64url), `publicKeyAlgorithm` (an integer) and `transports` (up to 8 strings)",
);
const authentication = credential(
  "AuthenticationResponseJSON",
  "`clientDataJSON`, `authenticatorData` and `signature` (base64url) and optional `userHandle` (base64url)",
);

export const RegisterPasskeyBody = v.strictObject({ credential: registration, name: v.optional(text(100)) });
export const PasskeyLoginBody = v.strictObject({ credential: authentication, transport: v.optional(oneOf(["cookie", "bearer"])) });

const isoTime = v.pipe(v.string(), v.isoTimestamp());
const PasskeySchema = v.strictObject({ id: v.string(), name: v.string(), created_at: isoTime, last_used_at: v.nullable(isoTime) });

export const PasskeyResponse = v.strictObject({ passkey: PasskeySchema });
export const PasskeyListResponse = v.strictObject({ passkeys: v.array(PasskeySchema) });

/** WebAuthn options JSON: the members the gateway guarantees; the rest is the library's. */
export const CreationOptionsResponse = v.looseObject({
  challenge: v.string(),
  rp: v.looseObject({ id: v.string(), name: v.string() }),
  user: v.looseObject({ id: v.string(), name: v.string(), displayName: v.string() }),
  pubKeyCredParams: v.array(v.looseObject({ type: v.string(), alg: v.number() })),
});
export const RequestOptionsResponse = v.looseObject({ challenge: v.string(), rpId: v.string() });
