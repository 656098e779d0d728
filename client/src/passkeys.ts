/**
 * WebAuthn glue: the gateway's JSON options (base64url strings) into the
 * ArrayBuffers `navigator.credentials` takes, and the credential it returns
 * back into the JSON the gateway verifies (RegistrationResponseJSON,
 * AuthenticationResponseJSON).
 */
import type { AuthenticationResponseJSON, CreationOptionsJSON, CredentialDescriptorJSON, RegistrationResponseJSON, RequestOptionsJSON } from "./webauthn-json";

export function base64urlToBuffer(s: string): ArrayBuffer {
  const b64 = s.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

export function bufferToBase64url(buf: ArrayBuffer | ArrayBufferView): string {
  const bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const descriptor = (d: CredentialDescriptorJSON): PublicKeyCredentialDescriptor => ({
  id: base64urlToBuffer(d.id),
  type: d.type,
  ...(d.transports ? { transports: d.transports as AuthenticatorTransport[] } : {}),
});

export function creationOptions(json: CreationOptionsJSON): PublicKeyCredentialCreationOptions {
  return {
    ...json,
    challenge: base64urlToBuffer(json.challenge),
    user: { ...json.user, id: base64urlToBuffer(json.user.id) },
    excludeCredentials: json.excludeCredentials?.map(descriptor),
  } as PublicKeyCredentialCreationOptions;
}

export function requestOptions(json: RequestOptionsJSON): PublicKeyCredentialRequestOptions {
  return {
    ...json,
    challenge: base64urlToBuffer(json.challenge),
    allowCredentials: json.allowCredentials?.map(descriptor),
  } as PublicKeyCredentialRequestOptions;
}

/** The fields every credential's JSON carries around its `response`. */
function credentialJSON<R>(cred: PublicKeyCredential, response: R) {
  return {
    id: cred.id,
    rawId: bufferToBase64url(cred.rawId),
    type: "public-key" as const,
    response,
    clientExtensionResults: cred.getClientExtensionResults() as Record<string, unknown>,
    ...(cred.authenticatorAttachment ? { authenticatorAttachment: cred.authenticatorAttachment } : {}),
  };
}

export function registrationJSON(cred: PublicKeyCredential): RegistrationResponseJSON {
  const r = cred.response as AuthenticatorAttestationResponse;
  const transports = typeof r.getTransports === "function" ? r.getTransports() : undefined;
  return credentialJSON(cred, {
    clientDataJSON: bufferToBase64url(r.clientDataJSON),
    attestationObject: bufferToBase64url(r.attestationObject),
    ...(transports ? { transports } : {}),
  });
}

export function authenticationJSON(cred: PublicKeyCredential): AuthenticationResponseJSON {
  const r = cred.response as AuthenticatorAssertionResponse;
  return credentialJSON(cred, {
    clientDataJSON: bufferToBase64url(r.clientDataJSON),
    authenticatorData: bufferToBase64url(r.authenticatorData),
    signature: bufferToBase64url(r.signature),
    ...(r.userHandle ? { userHandle: bufferToBase64url(r.userHandle) } : {}),
  });
}
