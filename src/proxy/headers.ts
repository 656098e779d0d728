/**
 * The header policy of the reverse proxy, both ways.
 *
 * Upstream: `upstreamRequestHeaders` copies the client's headers minus
 * everything a client could use to pose as the gateway or as another
 * caller; then `injectIdentity` sets the gateway's own. Always in that order:
 * stripping first means a name the client lists in `connection` (say
 * `connection: close, x-user-id`) can only remove the client's copy, never
 * the value the gateway injects afterwards.
 *
 * Names are compared lower-cased with `_` read as `-`, because some servers
 * (CGI/WSGI environ, nginx with underscores_in_headers) merge `X_User_Id`
 * into `x-user-id`.
 *
 * Dropped from requests, beyond what API.md lists: every `cf-*` header and
 * `true-client-ip`, `x-client-ip`, `x-cluster-client-ip` (client IP claims;
 * the upstream gets the one the gateway trusts in `x-forwarded-for`),
 * `x-original-uri`, `x-http-method`, `x-method-override`, the client's
 * `x-request-id` (the gateway sets the one it chose) and `host` (the fetch
 * derives it from UPSTREAM_URL; the client's goes in `x-forwarded-host`).
 *
 * Header-value encoding (`encodeHeaderValue`, used for the identity headers):
 * printable ASCII from `!` to `~` passes as is, except `%`; every other UTF-8
 * byte (space, controls, non-ASCII) and `%` itself become `%XX` with upper-case
 * hex. So one percent-decode always restores the value exactly: Python's
 * `urllib.parse.unquote(v)` or JS `decodeURIComponent(v)` (never
 * `unquote_plus`: `+` is literal). `x-user-roles` also encodes `,` inside a
 * role, then joins roles with `,`: split on `,`, then decode each.
 */

export interface UpstreamHeaderOptions {
  /** FORWARD_AUTHORIZATION: pass the client's `authorization` upstream. */
  forwardAuthorization: boolean;
  /** The gateway's own cookie names, removed from `cookie`. */
  gatewayCookieNames: readonly string[];
  /** Keep `upgrade` (a WebSocket handshake the caller has decided to proxy). */
  keepUpgrade?: boolean;
}

/** Who the request is from, as verified at the edge. */
export interface UpstreamIdentity {
  userId: string;
  email: string;
  emailVerified: boolean;
  roles: readonly string[];
  sessionId: string;
  /** RFC 8176 methods of the session, sent as `x-auth-amr` (comma-separated). */
  amr: readonly string[];
  /** The signed `x-auth-assertion` JWT. */
  assertion: string;
}

/** Set on every proxied request, authenticated or not. */
export interface Forwarding {
  /** The client IP the gateway trusts (CF-Connecting-IP). */
  clientIp: string;
  /** The scheme the client used, without `:` ("https"). */
  proto: string;
  /** The `Host` the client sent. */
  host: string;
  requestId: string;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const REQUEST_DENY = new Set([
  "forwarded",
  "x-real-ip",
  "true-client-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "x-original-url",
  "x-original-uri",
  "x-rewrite-url",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-request-id",
  "host",
]);
const IDENTITY_PREFIXES = ["x-user-", "x-auth-"] as const;
const REQUEST_DENY_PREFIXES = [...IDENTITY_PREFIXES, "x-forwarded-", "cf-"] as const;
const UNDERSCORE_RE = /_/g;
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Printable ASCII without `%`: the values `encodeHeaderValue` leaves alone. */
const HEADER_SAFE_RE = /^[\x21-\x24\x26-\x7e]*$/;
const COMMA_RE = /,/g;
const HEX = "0123456789ABCDEF";

/** Lower case, `_` read as `-`: the name as a lenient server would see it. */
function canonicalName(name: string): string {
  return name.toLowerCase().replace(UNDERSCORE_RE, "-");
}

function isIdentityHeader(canonical: string): boolean {
  return IDENTITY_PREFIXES.some((p) => canonical.startsWith(p));
}

/** The canonical names a `connection` header lists (RFC 9110 §7.6.1). */
function connectionListed(headers: Headers): Set<string> {
  const listed = new Set<string>();
  for (const token of (headers.get("connection") ?? "").split(",")) {
    const t = token.trim();
    if (TOKEN_RE.test(t)) listed.add(canonicalName(t));
  }
  return listed;
}

function cookieName(pair: string): string {
  const eq = pair.indexOf("=");
  return (eq === -1 ? pair : pair.slice(0, eq)).trim().toLowerCase();
}

/**
 * The `cookie` value without the named cookies; undefined when none remain.
 * Pairs are split on `;`, and also on `,` when a comma hides one of the named
 * cookies (two `cookie` headers joined with ", " must not smuggle one through).
 */
function withoutCookies(value: string, names: ReadonlySet<string>): string | undefined {
  const kept: string[] = [];
  for (const raw of value.split(";")) {
    const pair = raw.trim();
    if (pair === "" || names.has(cookieName(pair))) continue;
    const parts = pair.split(",");
    if (parts.length > 1 && parts.some((p) => names.has(cookieName(p)))) {
      kept.push(...parts.map((p) => p.trim()).filter((p) => p !== "" && !names.has(cookieName(p))));
    } else {
      kept.push(pair);
    }
  }
  return kept.length > 0 ? kept.join("; ") : undefined;
}

function lowerSet(names: readonly string[]): Set<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}

/**
 * A new `Headers` for the upstream request: the client's headers minus the
 * spoofable, hop-by-hop and connection-listed ones, `authorization` (unless
 * forwarded) and the gateway's cookies. Call `injectIdentity` on the result.
 *
 * @example
 * const h = upstreamRequestHeaders(
 *   new Headers({ "X_User_Id": "1", connection: "close, x-foo", "x-foo": "a", cookie: "__Host-access=t; theme=dark" }),
 *   { forwardAuthorization: false, gatewayCookieNames: ["__Host-access", "__Secure-refresh"] },
 * );
 * h.get("x-user-id"); // null
 * h.get("x-foo");     // null
 * h.get("cookie");    // "theme=dark"
 */
export function upstreamRequestHeaders(inbound: Headers, opts: UpstreamHeaderOptions): Headers {
  const listed = connectionListed(inbound);
  const cookieNames = lowerSet(opts.gatewayCookieNames);
  const out = new Headers();
  for (const [name, value] of inbound) {
    const canonical = canonicalName(name);
    const keptUpgrade = canonical === "upgrade" && opts.keepUpgrade === true;
    if (!keptUpgrade && (HOP_BY_HOP.has(canonical) || listed.has(canonical))) continue;
    if (REQUEST_DENY.has(canonical) || REQUEST_DENY_PREFIXES.some((p) => canonical.startsWith(p))) continue;
    if (canonical === "authorization" && !opts.forwardAuthorization) continue;
    if (canonical === "cookie") {
      const rest = withoutCookies(value, cookieNames);
      if (rest !== undefined) out.append("cookie", rest);
      continue;
    }
    out.append(name, value);
  }
  return out;
}

/**
 * Encodes a value for an HTTP header: `!`..`~` except `%` pass; every other
 * UTF-8 byte and `%` become `%XX` (upper-case hex). One percent-decode
 * (`urllib.parse.unquote`, `decodeURIComponent`) restores it exactly.
 *
 * @example
 * encodeHeaderValue("ana@example.com"); // "ana@example.com"
 * encodeHeaderValue("josé@exämple.com"); // "jos%C3%A9@ex%C3%A4mple.com"
 * encodeHeaderValue("100%");            // "100%25"
 */
export function encodeHeaderValue(value: string): string {
  if (HEADER_SAFE_RE.test(value)) return value;
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    if (byte >= 0x21 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** `x-user-roles`: each role encoded (its commas too), joined with `,`. */
function encodeRoles(roles: readonly string[]): string {
  return roles.map((r) => encodeHeaderValue(r).replace(COMMA_RE, "%2C")).join(",");
}

/**
 * Sets the gateway's headers on `headers` (the result of
 * `upstreamRequestHeaders`): the identity headers and `x-auth-assertion`
 * when `identity` is given, and the forwarding headers always. Any
 * `x-user-*`/`x-auth-*` already present is removed first, so an anonymous
 * request never carries identity headers.
 *
 * @example
 * const h = upstreamRequestHeaders(req.headers, opts);
 * injectIdentity(h, { userId: "42", email: "ana@example.com", emailVerified: true, roles: ["user"], sessionId: "s1", assertion: jwt },
 *   { clientIp: "192.0.2.1", proto: "https", host: "app.example.com", requestId: "r1" });
 * h.get("x-user-roles"); // "user"
 */
export function injectIdentity(headers: Headers, identity: UpstreamIdentity | undefined, forwarding: Forwarding): void {
  const present = [...headers.keys()].filter((name) => isIdentityHeader(canonicalName(name)));
  for (const name of present) headers.delete(name);
  if (identity) {
    headers.set("x-user-id", encodeHeaderValue(identity.userId));
    headers.set("x-user-email", encodeHeaderValue(identity.email));
    headers.set("x-user-email-verified", identity.emailVerified ? "true" : "false");
    headers.set("x-user-roles", encodeRoles(identity.roles));
    headers.set("x-auth-session", encodeHeaderValue(identity.sessionId));
    headers.set("x-auth-amr", encodeRoles(identity.amr));
    headers.set("x-auth-assertion", identity.assertion);
  }
  headers.set("x-forwarded-for", forwarding.clientIp);
  headers.set("x-forwarded-proto", forwarding.proto);
  headers.set("x-forwarded-host", forwarding.host);
  headers.set("x-request-id", forwarding.requestId);
}

/**
 * A new `Headers` for the client from the upstream's response: without
 * `x-user-*`/`x-auth-*` (any spelling), hop-by-hop and connection-listed
 * headers, `access-control-*` (the gateway alone decides CORS, for
 * ALLOWED_ORIGINS only: an app reflecting `Origin` must not widen it), and
 * without any `set-cookie` for one of the gateway's cookie names (the
 * upstream must not plant or clear the gateway's session).
 *
 * @example
 * const up = new Headers([["set-cookie", "__Host-access=x"], ["set-cookie", "app=1"], ["x-user-id", "1"]]);
 * downstreamResponseHeaders(up, ["__Host-access"]).getSetCookie(); // ["app=1"]
 * downstreamResponseHeaders(new Headers({ "access-control-allow-origin": "*" }), []).has("access-control-allow-origin"); // false
 */
export function downstreamResponseHeaders(upstream: Headers, gatewayCookieNames: readonly string[]): Headers {
  const listed = connectionListed(upstream);
  const cookieNames = lowerSet(gatewayCookieNames);
  const out = new Headers();
  for (const [name, value] of upstream) {
    const canonical = canonicalName(name);
    if (canonical === "set-cookie" || isIdentityHeader(canonical) || canonical.startsWith("access-control-")) continue;
    if (HOP_BY_HOP.has(canonical) || listed.has(canonical)) continue;
    out.append(name, value);
  }
  for (const cookie of upstream.getSetCookie()) {
    if (!cookieNames.has(cookieName(cookie.split(";", 1)[0] ?? ""))) out.append("set-cookie", cookie);
  }
  return out;
}
