/**
 * The browser-side helpers both pages share, as plain script text (it is
 * served inline under the response's CSP nonce, so it must be standalone JS,
 * never a compiled function: coverage instrumentation would break it).
 *
 * `takeToken()` reads the token from the fragment (`#token=`, how links are
 * sent: browsers never send a fragment to a server) or, for links mailed
 * before that, from `?token=`, and drops both from the address bar
 * (history.replaceState), so it is not left in history, bookmarks or a
 * screenshot; `say()` writes to the aria-live #status region with
 * textContent only; `showNext()` reveals the page's next-step link;
 * `postJson()` POSTs same-origin JSON and reads a problem+json answer.
 */
export const CLIENT_HELPERS = `
const statusEl = document.getElementById("status");
function say(state, text) {
  statusEl.textContent = text;
  statusEl.setAttribute("data-state", state);
}
function takeToken() {
  const url = new URL(location.href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ""));
  const token = fragment.get("token") || url.searchParams.get("token") || "";
  if (fragment.has("token") || url.searchParams.has("token")) {
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search);
  }
  return token;
}
// A link pasted into a tab that already shows this page changes only the fragment: load it afresh.
window.addEventListener("hashchange", function () {
  if (/(^#|&)token=/.test(location.hash)) location.reload();
});
const nextEl = document.getElementById("next-step");
function showNext(href, text) {
  const link = document.getElementById("next-link");
  link.setAttribute("href", href);
  link.textContent = text;
  nextEl.hidden = false;
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
