/**
 * Path normalisation for the reverse proxy: `PUBLIC_PATHS` matching, the
 * auth decision and the upstream all use the one path this module returns,
 * so what is checked is exactly what is forwarded.
 *
 * Steps, in order (RFC 3986 §6.2.2 plus refusals):
 * 1. refuse anything a URL serializer never emits in a path: bytes outside
 *    printable ASCII, a raw `\`, a `%` not followed by two hex digits;
 * 2. percent-decode unreserved characters (`A-Z a-z 0-9 - . _ ~`) and
 *    upper-case the hex of every other escape (`%2f` → `%2F`);
 * 3. collapse empty segments (`//`), resolve `.` and `..` (never above `/`);
 * 4. refuse (`bad_path`) a segment that, decoded once or any number of times
 *    (`%252F` → `%2F` → `/`), holds `/`, `\`, NUL or another control
 *    character, or is a dot segment (`%252e%252e`, also `..;x`, which some
 *    servers read as `..`).
 *
 * What reaches the Worker: workerd's WHATWG URL parser has already turned
 * `\` into `/`, dropped tabs and newlines, and resolved dot segments written
 * as `.`, `..`, `%2e`, `.%2E`... Encoded slashes, backslashes, NUL and
 * double-encoded dots survive the parser; step 4 is what refuses them.
 */

export type NormalizedPath = { ok: true; path: string } | { ok: false };

/** Characters a serialized URL path can hold unescaped (printable ASCII but `\`). */
const RAW_PATH_RE = /^[\x21-\x5b\x5d-\x7e]*$/;
const ESCAPE_RE = /%([0-9A-Fa-f]{2})?/g;
const UNRESERVED_RE = /^[A-Za-z0-9\-._~]$/;
const ASCII_ESCAPE_RE = /%([0-7][0-9A-Fa-f])/g;
/** After full decoding, a segment must not hold these. */
const FORBIDDEN_DECODED_RE = /[/\\\x00-\x1f\x7f]/;
/** Optional `scheme://authority`, then the path, then an optional `?query`; a `#fragment` is left out. */
const URL_PARTS_RE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)?([^?#]*)(\?[^#]*)?/;
/** Deeper nesting than this is not a real path; refuse instead of looping. */
const MAX_DECODE_DEPTH = 8;

/** Step 2: decode unreserved escapes, upper-case the rest; undefined on a malformed `%`. */
function canonicalEscapes(raw: string): string | undefined {
  let malformed = false;
  const out = raw.replace(ESCAPE_RE, (_m, hex: string | undefined) => {
    if (hex === undefined) {
      malformed = true;
      return "%";
    }
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED_RE.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
  return malformed ? undefined : out;
}

/** A segment decoded until it stops changing (ASCII escapes only); undefined if absurdly deep. */
function deepDecode(segment: string): string | undefined {
  let current = segment;
  for (let depth = 0; depth <= MAX_DECODE_DEPTH; depth++) {
    const next = current.replace(ASCII_ESCAPE_RE, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

function isDotSegment(s: string): boolean {
  return s === "." || s === "..";
}

/** Step 4 for one resolved segment. */
function segmentIsSafe(segment: string): boolean {
  const decoded = deepDecode(segment);
  if (decoded === undefined || FORBIDDEN_DECODED_RE.test(decoded)) return false;
  return !isDotSegment(decoded) && !isDotSegment(decoded.split(";", 1)[0] ?? "");
}

/** Step 3: `//` collapsed, `.` and `..` resolved; a trailing slash is kept. */
function resolveSegments(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  const last = parts[parts.length - 1] ?? "";
  if (out.length > 0 && (last === "" || isDotSegment(last))) out.push("");
  return out;
}

/**
 * Normalises the raw (still percent-encoded) path of a request URL, or
 * refuses it. Refusal maps to 400 `bad_path`.
 *
 * @example
 * normalizePath("/public//x/./y/../%7Euser"); // { ok: true, path: "/public/x/~user" }
 * normalizePath("/api/a%2fb");                // { ok: false }
 * normalizePath("/public/%252e%252e/admin");  // { ok: false }
 */
export function normalizePath(rawPath: string): NormalizedPath {
  if (rawPath === "") return { ok: true, path: "/" };
  if (!rawPath.startsWith("/") || !RAW_PATH_RE.test(rawPath)) return { ok: false };
  const canonical = canonicalEscapes(rawPath);
  if (canonical === undefined) return { ok: false };
  const segments = resolveSegments(canonical);
  for (const segment of segments) {
    if (!segmentIsSafe(segment)) return { ok: false };
  }
  return { ok: true, path: `/${segments.join("/")}` };
}

/**
 * Splits a request URL (absolute, or a request-target) into its raw path and
 * raw query (with its `?`, or ""), dropping any fragment. Nothing is decoded.
 *
 * @example
 * splitPathAndQuery("https://gw.test/a/b?x=%20y#frag"); // { path: "/a/b", query: "?x=%20y" }
 * splitPathAndQuery("/only?q");                          // { path: "/only", query: "?q" }
 */
export function splitPathAndQuery(url: string): { path: string; query: string } {
  const m = URL_PARTS_RE.exec(url);
  const path = m?.[1] ?? "";
  return { path: path === "" ? "/" : path, query: m?.[2] ?? "" };
}
