/**
 * Browser code shared by the hosted sign-in pages, as plain script text
 * (served inline under the CSP nonce; see client.ts for why it is text).
 *
 * `call()` sends same-origin JSON and keeps `Retry-After`; `explain()` turns
 * a problem+json answer into a sentence a person understands (never a raw
 * code); `go()` leaves for the server-checked `next`; the WebAuthn helpers
 * convert between the gateway's JSON options/responses and the browser's
 * ArrayBuffers, so any browser with WebAuthn works (not only those with
 * PublicKeyCredential.parse*FromJSON).
 */
export const SIGN_IN_HELPERS = `
const hosted = document.getElementById("hosted");
const nextPath = (hosted && hosted.getAttribute("data-next")) || "/";
function go() { location.assign(nextPath); }
async function call(path, body, method) {
  const res = await fetch(path, {
    method: method || "POST",
    credentials: "same-origin",
    headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  const wait = Number(res.headers.get("retry-after"));
  return { status: res.status, data: data || {}, retryAfter: Number.isFinite(wait) && wait > 0 ? wait : 0 };
}
function waitText(seconds) {
  if (!seconds) return "a few minutes";
  if (seconds < 60) return seconds === 1 ? "1 second" : seconds + " seconds";
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : minutes + " minutes";
}
const MESSAGES = {
  invalid_credentials: "Wrong email or password.",
  email_unverified: "Confirm your email address first: open the link we emailed you.",
  account_disabled: "This account is disabled. Contact support if you think this is a mistake.",
  invalid_code: "That code didn't work. Check it and try again.",
  invalid_token: "This sign-in took too long. Enter your email and password again.",
  csrf_failed: "This page is out of date. Reload it and try again.",
  service_unavailable: "The service is unavailable right now. Try again in a moment.",
};
function explain(answer, overrides) {
  const code = answer.data && typeof answer.data.code === "string" ? answer.data.code : "";
  if (overrides && overrides[code]) return overrides[code];
  if (code === "account_locked") return "Too many failed attempts: this account is locked. Try again in " + waitText(answer.retryAfter) + ".";
  if (code === "rate_limited") return "Too many attempts from this device. Try again in " + waitText(answer.retryAfter) + ".";
  if (code === "weak_password") return problemText(answer.data, "Choose a stronger password.");
  if (MESSAGES[code]) return MESSAGES[code];
  return "Something went wrong. Try again in a moment.";
}
function invalid(input, on) {
  if (on) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
function fromB64u(s) {
  const b = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b + "===".slice((b.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}
function toB64u(buf) {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
}
const canPasskey = !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.get);
function descriptors(list) {
  return (list || []).map(function (c) { return Object.assign({}, c, { id: fromB64u(c.id) }); });
}
function credentialJson(cred) {
  if (typeof cred.toJSON === "function") return cred.toJSON();
  const r = cred.response;
  const response = { clientDataJSON: toB64u(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64u(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64u(r.authenticatorData);
    response.signature = toB64u(r.signature);
    if (r.userHandle) response.userHandle = toB64u(r.userHandle);
  }
  return {
    id: cred.id,
    rawId: toB64u(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
    clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    response: response,
  };
}
/** Options → navigator.credentials.get → the gateway; the login answer (or status 0 when cancelled). */
async function passkeyAssertion() {
  const options = await call("/auth/passkeys/login/options", {});
  if (options.status !== 200) return options;
  const o = options.data;
  let cred;
  try {
    cred = await navigator.credentials.get({
      publicKey: Object.assign({}, o, { challenge: fromB64u(o.challenge), allowCredentials: descriptors(o.allowCredentials) }),
    });
  } catch (e) {
    return { status: 0, data: {}, retryAfter: 0, cancelled: true };
  }
  return call("/auth/passkeys/login", { credential: credentialJson(cred) });
}
/** Register options → navigator.credentials.create → the gateway (signed in by cookie). */
async function passkeyRegistration() {
  const options = await call("/auth/passkeys/register/options", {});
  if (options.status !== 200) return options;
  const o = options.data;
  let cred;
  try {
    cred = await navigator.credentials.create({
      publicKey: Object.assign({}, o, {
        challenge: fromB64u(o.challenge),
        user: Object.assign({}, o.user, { id: fromB64u(o.user.id) }),
        excludeCredentials: descriptors(o.excludeCredentials),
      }),
    });
  } catch (e) {
    return { status: 0, data: {}, retryAfter: 0, cancelled: true };
  }
  return call("/auth/passkeys/register", { credential: credentialJson(cred) });
}
`;
