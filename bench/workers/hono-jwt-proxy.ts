/**
 * Benchmark scenario C: what a user would hand-roll instead of the gateway.
 *
 * Hono's own `hono/jwt` middleware (HS256, the gateway's JWT_SECRET) in front
 * of the same bare proxy as scenario B, plus the one header any real
 * hand-rolled version sets: the verified user id for the upstream. No KV
 * revocation check, no header stripping, no signed assertion: that is the
 * point of the comparison.
 *
 * Run by bench/run.mjs with `wrangler dev -c bench/workers/hono-jwt-proxy.toml`.
 */
import { Hono } from "hono";
import { jwt } from "hono/jwt";

interface Env {
  UPSTREAM_URL: string;
  JWT_SECRET: string;
  /** The gateway's issuer and audience, checked like the gateway checks them. */
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

type JwtVars = { jwtPayload: { sub?: string } };

const app = new Hono<{ Bindings: Env; Variables: JwtVars }>();

// The documented way to use a secret from `env`: build the middleware per
// request. Same checks as the gateway's verify where Hono has them: alg pinned,
// typ (the gateway's tokens are `at+jwt`), iss, aud, exp, nbf, iat.
app.use("*", (c, next) =>
  jwt({
    secret: c.env.JWT_SECRET,
    alg: "HS256",
    verification: { typ: "at+jwt", iss: c.env.JWT_ISSUER, aud: c.env.JWT_AUDIENCE },
  })(c, next),
);

app.all("*", (c) => {
  const url = new URL(c.req.url);
  const method = c.req.method;
  const headers = new Headers(c.req.raw.headers);
  headers.delete("authorization");
  headers.set("x-user-id", String(c.get("jwtPayload").sub ?? ""));
  return fetch(`${c.env.UPSTREAM_URL}${url.pathname}${url.search}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? null : c.req.raw.body,
    redirect: "manual",
  });
});

export default app;
