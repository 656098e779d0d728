/**
 * The `next` parameter of the login redirect: only ever a same-origin path,
 * so LOGIN_URL can never be turned into an open redirect.
 *
 * A candidate must start with exactly one `/` (not `//`, not `/\`: browsers
 * read `\` as `/`), hold no `\` and no control character
 * (browsers drop tabs and newlines: `/\t/evil.com` is `//evil.com`), and stay
 * so when percent-decoded once, twice... (a login page that decodes `next`
 * again must not find `//evil.com` in `/%2F%2Fevil.com`). A scheme cannot
 * appear: the first character is `/`. Anything else is dropped, not repaired.
 */

/** Longer than any real path + query a login page should carry back. */
const MAX_NEXT_LENGTH = 2048;
/** How many nested decodings are checked before giving up (refusing). */
const MAX_DECODE_DEPTH = 4;
/** Exactly one leading `/`: not followed by `/` or `\`. */
const SINGLE_SLASH_RE = /^\/(?![/\\])/;
/** `\` (read as `/` by browsers), NUL and the other control characters. */
const BAD_CHAR_RE = /[\\\x00-\x1f\x7f]/;

function decodeOnce(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Safe as a path, and every decoding of it is safe too. */
function safeAtEveryDepth(candidate: string): boolean {
  let current = candidate;
  for (let depth = 0; depth <= MAX_DECODE_DEPTH; depth++) {
    if (!SINGLE_SLASH_RE.test(current) || BAD_CHAR_RE.test(current)) return false;
    const decoded = decodeOnce(current);
    if (decoded === undefined) return false;
    if (decoded === current) return true;
    current = decoded;
  }
  return false;
}

/**
 * Returns `candidate` unchanged when it is a safe same-origin path (with an
 * optional query), else undefined.
 *
 * @example
 * safeNextPath("/dashboard?tab=2");  // "/dashboard?tab=2"
 * safeNextPath("//evil.com");        // undefined
 * safeNextPath("/%2F%2Fevil.com");   // undefined
 * safeNextPath("https://evil.com/"); // undefined
 */
export function safeNextPath(candidate: string | undefined): string | undefined {
  if (candidate === undefined || candidate.length === 0 || candidate.length > MAX_NEXT_LENGTH) return undefined;
  return safeAtEveryDepth(candidate) ? candidate : undefined;
}

/**
 * LOGIN_URL with `next` appended as a query parameter (before any fragment);
 * LOGIN_URL alone when `next` is undefined. `next` is re-checked here.
 *
 * @example
 * loginRedirectUrl("/login", "/dashboard?tab=2"); // "/login?next=%2Fdashboard%3Ftab%3D2"
 * loginRedirectUrl("https://app.example.com/login?lang=fr", "/a"); // "...login?lang=fr&next=%2Fa"
 * loginRedirectUrl("/login", undefined); // "/login"
 */
export function loginRedirectUrl(loginUrl: string, next: string | undefined): string {
  const safe = safeNextPath(next);
  if (safe === undefined) return loginUrl;
  const hash = loginUrl.indexOf("#");
  const base = hash === -1 ? loginUrl : loginUrl.slice(0, hash);
  const fragment = hash === -1 ? "" : loginUrl.slice(hash);
  const sep = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return `${base}${sep}next=${encodeURIComponent(safe)}${fragment}`;
}
