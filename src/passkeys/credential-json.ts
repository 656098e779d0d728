/**
 * Shape checks of the browser's WebAuthn JSON (`RegistrationResponseJSON`,
 * `AuthenticationResponseJSON`) before anything else runs: a body that is
 * not one is 422 `validation_failed`, with no challenge spent and no database
 * call. Only the structure is checked here; the bytes are the library's.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { validationError, type FieldError } from "../errors";

const B64URL_RE = /^[A-Za-z0-9_-]+={0,2}$/;
const MAX_B64 = 8192;
const ATTACHMENTS = new Set(["platform", "cross-platform"]);

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Checker {
  readonly errors: FieldError[] = [];

  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  b64(o: Obj, key: string, path: string, required = true): void {
    const v = o[key];
    if (v === undefined || (v === null && !required)) {
      if (required) this.fail(`${path}.${key}`, "is required");
      return;
    }
    if (typeof v !== "string" || v.length === 0 || v.length > MAX_B64 || !B64URL_RE.test(v)) {
      this.fail(`${path}.${key}`, "must be a base64url string");
    }
  }

  onlyKeys(o: Obj, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(`${path}.${k.slice(0, 64)}`, "unknown field");
  }
}

const TOP_KEYS = ["id", "rawId", "response", "authenticatorAttachment", "clientExtensionResults", "type"];
const REG_KEYS = ["clientDataJSON", "attestationObject", "authenticatorData", "transports", "publicKeyAlgorithm", "publicKey"];
const AUTH_KEYS = ["clientDataJSON", "authenticatorData", "signature", "userHandle"];

function checkCommon(ch: Checker, v: unknown): Obj | undefined {
  if (!isObject(v)) {
    ch.fail("credential", "must be a WebAuthn credential object");
    return undefined;
  }
  ch.onlyKeys(v, TOP_KEYS, "credential");
  ch.b64(v, "id", "credential");
  ch.b64(v, "rawId", "credential");
  if (typeof v.id === "string" && v.rawId !== v.id) ch.fail("credential.rawId", "must equal credential.id");
  if (v.type !== "public-key") ch.fail("credential.type", "must be public-key");
  if (v.authenticatorAttachment !== undefined && v.authenticatorAttachment !== null && !ATTACHMENTS.has(String(v.authenticatorAttachment))) {
    ch.fail("credential.authenticatorAttachment", "must be platform or cross-platform");
  }
  if (v.clientExtensionResults !== undefined && !isObject(v.clientExtensionResults)) {
    ch.fail("credential.clientExtensionResults", "must be an object");
  }
  if (!isObject(v.response)) {
    ch.fail("credential.response", "must be an object");
    return undefined;
  }
  ch.b64(v.response, "clientDataJSON", "credential.response");
  return v.response;
}

function done<T>(ch: Checker, v: unknown): T {
  if (ch.errors.length > 0) throw validationError(ch.errors);
  const o = v as Obj;
  if (o.clientExtensionResults === undefined) o.clientExtensionResults = {};
  return v as T;
}

/** `v` as a RegistrationResponseJSON, or 422. */
export function parseRegistrationJson(v: unknown): RegistrationResponseJSON {
  const ch = new Checker();
  const r = checkCommon(ch, v);
  if (r) {
    ch.onlyKeys(r, REG_KEYS, "credential.response");
    ch.b64(r, "attestationObject", "credential.response");
    ch.b64(r, "authenticatorData", "credential.response", false);
    ch.b64(r, "publicKey", "credential.response", false);
    if (r.publicKeyAlgorithm !== undefined && !Number.isSafeInteger(r.publicKeyAlgorithm)) {
      ch.fail("credential.response.publicKeyAlgorithm", "must be an integer");
    }
    const t = r.transports;
    if (t !== undefined && (!Array.isArray(t) || t.length > 8 || !t.every((x) => typeof x === "string" && x.length <= 32))) {
      ch.fail("credential.response.transports", "must be a list of strings");
    }
  }
  return done<RegistrationResponseJSON>(ch, v);
}

/** `v` as an AuthenticationResponseJSON, or 422. */
export function parseAuthenticationJson(v: unknown): AuthenticationResponseJSON {
  const ch = new Checker();
  const r = checkCommon(ch, v);
  if (r) {
    ch.onlyKeys(r, AUTH_KEYS, "credential.response");
    ch.b64(r, "authenticatorData", "credential.response");
    ch.b64(r, "signature", "credential.response");
    ch.b64(r, "userHandle", "credential.response", false);
    if (r.userHandle === null) delete r.userHandle;
  }
  return done<AuthenticationResponseJSON>(ch, v);
}

/** The challenge the client data claims (base64url), or 422 when it is not client data at all. */
export function claimedChallenge(clientDataJSON: string): string {
  let parsed: unknown;
  try {
    const b64 = clientDataJSON.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed) || typeof parsed.challenge !== "string" || parsed.challenge.length > 256) {
    throw validationError([{ field: "credential.response.clientDataJSON", message: "must be WebAuthn client data" }]);
  }
  return parsed.challenge;
}
