/**
 * The browser-side helpers both pages share, as plain script text (it is
 * served inline under the response's CSP nonce, so it must be standalone JS,
 * never a compiled function: coverage instrumentation would break it).
 *
 * `takeToken()` reads `?token=` once and drops it from the address bar
 * (history.replaceState), so it is not left in history, bookmarks or a
 * screenshot; `say()` writes to the aria-live #status region with
 * textContent only; `postJson()` POSTs same-origin JSON and reads a
 * problem+json answer.
 */
export const CLIENT_HELPERS = `
const statusEl = document.getElementById("status");
function say(state, text) {
  statusEl.textContent = text;
  statusEl.setAttribute("data-state", state);
}
function takeToken() {
  const url = new URL(location.href);
  const token = url.searchParams.get("token") || "";
  if (url.searchParams.has("token")) {
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }
  return token;
}
async function postJson(path, body) {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  return { status: res.status, data: data };
}
function problemText(data, fallback) {
  if (!data || typeof data.detail !== "string" || data.detail === "") return fallback;
  const extra = Array.isArray(data.errors)
    ? data.errors
        .map(function (e) { return e && typeof e.message === "string" ? e.message : ""; })
        .filter(function (m) { return m !== "" && m !== data.detail; })
    : [];
  return [data.detail].concat(extra).join(" ");
}
function sentence(text) {
  return /[.!?…]$/.test(text) ? text : text + ".";
}
const NETWORK_ERROR = "Could not reach the server. Check your connection and try again.";
`;

/** Wraps page code with the helpers in one strict IIFE (no globals leak). */
export function pageScript(code: string): string {
  return `(function () {\n"use strict";\n${CLIENT_HELPERS}\n${code}\n})();\n`;
}
