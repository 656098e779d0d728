/**
 * The hosted sign-in pages as route handlers: served on GET with
 * `Accept: text/html` only (anything else keeps today's 405), with `next`
 * checked like LOGIN_URL's (a same-origin path, else `/`), a fresh CSP
 * nonce, no referrer, never cached.
 */
import type { Context } from "hono";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { safeNextPath } from "../proxy/next";
import { ForgotPasswordPage } from "./forgot-page";
import { pageHeaders } from "./index";
import { renderDocument } from "./layout";
import { LoginPage } from "./login-page";
import { RegisterPage } from "./register-page";

const PAGES = { login: LoginPage, register: RegisterPage, forgot: ForgotPasswordPage } as const;

export type HostedPageKind = keyof typeof PAGES;

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * GET handler for one hosted page; `allow` is the path's JSON methods, for the 405.
 *
 * @example
 * r.get("/login", hostedPage("login", ["POST"]));
 */
export function hostedPage(kind: HostedPageKind, allow: readonly string[]) {
  const Page = PAGES[kind];
  const allowHeader = [...allow, "OPTIONS"].join(", ");
  return function servePage(c: Context<AppEnv>): Response {
    if (!(c.req.header("accept") ?? "").toLowerCase().includes("text/html")) {
      throw new GatewayError("method_not_allowed", `${c.req.method} is not allowed here`, { headers: { allow: allowHeader } });
    }
    const next = safeNextPath(c.req.query("next")) ?? "/";
    const nonce = newNonce();
    const html = renderDocument(Page({ nonce, next, theme: c.get("deps").config.pagesTheme }));
    return new Response(html, { status: 200, headers: pageHeaders(nonce) });
  };
}
