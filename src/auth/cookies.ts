/**
 * The session cookies. Access: `__Host-access`, HttpOnly, Secure,
 * SameSite=Lax, Path=/. Refresh: `__Secure-refresh`, HttpOnly, Secure,
 * SameSite=Strict, Path=/auth. On plain-http development the names lose their
 * prefixes and `Secure`, nothing else.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Config } from "../config";

function serialize(name: string, value: string, attrs: string[]): string {
  return [`${name}=${value}`, ...attrs].join("; ");
}

function common(config: Config): string[] {
  return config.cookies.secure ? ["HttpOnly", "Secure"] : ["HttpOnly"];
}

export function accessCookie(config: Config, token: string, maxAge: number): string {
  return serialize(config.cookies.accessName, token, [`Max-Age=${maxAge}`, "Path=/", ...common(config), "SameSite=Lax"]);
}

export function refreshCookie(config: Config, token: string, maxAge: number): string {
  return serialize(config.cookies.refreshName, token, [
    `Max-Age=${maxAge}`,
    "Path=/auth",
    ...common(config),
    "SameSite=Strict",
  ]);
}

export function setSessionCookies(c: Context, config: Config, access: string, accessMaxAge: number, refresh: string, refreshMaxAge: number): void {
  c.header("set-cookie", accessCookie(config, access, accessMaxAge), { append: true });
  c.header("set-cookie", refreshCookie(config, refresh, refreshMaxAge), { append: true });
}

export function clearSessionCookies(c: Context, config: Config): void {
  c.header("set-cookie", accessCookie(config, "", 0), { append: true });
  c.header("set-cookie", refreshCookie(config, "", 0), { append: true });
}

export function readAccessCookie(c: Context, config: Config): string | undefined {
  return getCookie(c, config.cookies.accessName) || undefined;
}

export function readRefreshCookie(c: Context, config: Config): string | undefined {
  return getCookie(c, config.cookies.refreshName) || undefined;
}

/** The gateway's own cookie names (stripped before proxying, refused from upstream). */
export function gatewayCookieNames(config: Config): string[] {
  return [config.cookies.accessName, config.cookies.refreshName];
}
