/**
 * Bodies and answers of the passkey endpoints as valibot schemas (the
 * handlers validate the top level with them; the OpenAPI document is
 * generated from them). The WebAuthn credential itself is checked member by
 * member in credential-json.ts before the library sees its bytes.
 */
import * as v from "valibot";
import { oneOf, text } from "../http/schema";

const credential = v.pipe(
  v.unknown(),
  v.metadata({ description: "The browser's RegistrationResponseJSON / AuthenticationResponseJSON" }),
);

export const EmptyBody = v.strictObject({});
export const RegisterPasskeyBody = v.strictObject({ credential, name: v.optional(text(100)) });
export const PasskeyLoginBody = v.strictObject({ credential, transport: v.optional(oneOf(["cookie", "bearer"])) });

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
