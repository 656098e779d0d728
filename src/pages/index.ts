/**
 * The two HTML pages behind the mailed links, as Responses: a fresh CSP
 * nonce per response (the only way their inline style and script may run),
 * no referrer (the address held a token), never cached, never framed.
 */
import { renderDocument } from "./layout";
import { ResetPasswordPage } from "./reset-password-page";
import { VerifyEmailPage } from "./verify-email-page";
import { EmailChangePage } from "./email-change-page";

/** 128 random bits, base64: a CSP nonce. */
function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** The security headers of a page whose inline code carries `nonce`. */
export function pageHeaders(nonce: string): Headers {
  return new Headers({
    "content-type": "text/html; charset=utf-8",
    "content-security-policy":
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
      "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
  });
}

function page(render: (nonce: string) => string): Response {
  const nonce = newNonce();
  return new Response(render(nonce), { status: 200, headers: pageHeaders(nonce) });
}

/**
 * GET /auth/password/reset: the new-password form (it POSTs `{token, password}`).
 *
 * @example
 * r.get("/password/reset", () => resetPasswordPage());
 */
export function resetPasswordPage(): Response {
  return page((nonce) => renderDocument(ResetPasswordPage({ nonce })));
}

/**
 * GET /auth/email/verify: the "Verify my email" button (it POSTs `{token}`).
 *
 * @example
 * r.get("/email/verify", () => verifyEmailPage());
 */
export function verifyEmailPage(): Response {
  return page((nonce) => renderDocument(VerifyEmailPage({ nonce })));
}

/**
 * GET /auth/email/change: the "Confirm my new email" button (it POSTs `{token}`).
 *
 * @example
 * r.get("/email/change", () => emailChangePage());
 */
export function emailChangePage(): Response {
  return page((nonce) => renderDocument(EmailChangePage({ nonce })));
}
