/**
 * Benchmark scenario B: the floor of any Worker proxy.
 *
 * A bare Hono app that forwards every request to UPSTREAM_URL unchanged and
 * returns the upstream's response: no auth, no header policy, no path
 * normalisation. Whatever the gateway costs above this is the gateway's own
 * work; whatever this costs above the upstream alone is workerd + wrangler dev.
 *
 * Run by bench/run.mjs with `wrangler dev -c bench/workers/bare-proxy.toml`.
 */
import { Hono } from "hono";

interface Env {
  /** e.g. http://127.0.0.1:40123 (no trailing slash) */
  UPSTREAM_URL: string;
}

const app = new Hono<{ Bindings: Env }>();

app.all("*", (c) => {
  const url = new URL(c.req.url);
  const method = c.req.method;
  return fetch(`${c.env.UPSTREAM_URL}${url.pathname}${url.search}`, {
    method,
    headers: c.req.raw.headers,
    body: method === "GET" || method === "HEAD" ? null : c.req.raw.body,
    redirect: "manual",
  });
});

export default app;
