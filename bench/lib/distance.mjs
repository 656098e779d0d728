// The distance scenario: Postgres "far away". A delaying TCP proxy sits
// between the WebSocket bridge and Postgres; every /auth endpoint is timed
// with no delay and with a one-way delay D (BENCH_DISTANCE_DELAY_MS, 25 ms),
// and round trips = (median at D - median at 0) / (2 D). The bridge also
// counts request→response turns directly, so the figure does not rest on
// timing alone. Each endpoint's untimed set-up (a login to log out, a token
// to spend) runs before its timed request.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { startBridge } from "../../scripts/lib/ws-bridge.mjs";
import { startDelayProxy } from "./delay-proxy.mjs";
import { oneConnection, request } from "./http.mjs";
import { percentile } from "./stats.mjs";

/** Round-trip targets of issue 13 / DESIGN.md (normal path, after connecting). */
export const TARGETS = {
  "GET /auth/me": 1,
  "GET /auth/sessions": 1,
  "DELETE /auth/sessions/{id}": 1,
  "POST /auth/logout": 1,
  "POST /auth/logout-all": 1,
  "POST /auth/refresh": 2,
  "POST /auth/login": 2,
  "POST /auth/register": 2,
  "POST /auth/password/change": 2,
  "POST /auth/password/reset": 2,
  "POST /auth/email/verify": 2,
  "POST /auth/password/forgot": 3,
  "POST /auth/email/verify/request": 3,
  "GET /auth/health": 3,
  "GET proxied protected path": 0,
};

const PASSWORD = "Bench-Pass-2026!x";
const PASSWORD_2 = "Bench-Pass-2026!y";
const sha256 = (s) => createHash("sha256").update(s).digest("hex");
const opaque = () => randomBytes(32).toString("base64url");
const sidOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()).sid;

/**
 * Runs the scenario against a gateway started by `withGateway(env, body)`.
 * `pgUrl` is the real database (for seeding one-time tokens), `pgPort` its port.
 */
export async function runDistance({ withGateway, pgUrl, pgPort, delayMs, samples, headers, say, proxiedPath }) {
  const proxy = await startDelayProxy({ target: { host: "127.0.0.1", port: pgPort } });
  const bridge = await startBridge({ allowed: [`127.0.0.1:${proxy.port}`] });
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  const farUrl = new URL(pgUrl);
  farUrl.port = String(proxy.port);
  try {
    return await withGateway({ DATABASE_URL: farUrl.toString(), DATABASE_WS_PROXY: bridge.url }, async (base) => {
      const agent = oneConnection();
      const call = (method, path, { body, auth, expect } = {}) =>
        request(`${base}${path}`, { method, agent, body, headers: { ...headers, ...(auth ? { authorization: `Bearer ${auth}` } : {}) } }).then((res) => {
          if (expect !== undefined && res.status !== expect) throw new Error(`${method} ${path}: expected ${expect}, got ${res.status} ${res.text.slice(0, 200)}`);
          return res;
        });
      const newUser = async (tag) => {
        const email = `dist-${tag}-${Date.now()}-${randomBytes(3).toString("hex")}@example.com`;
        await call("POST", "/auth/register", { body: { email, password: PASSWORD }, expect: 202 });
        const id = (await db.query("SELECT id FROM users WHERE email = $1", [email])).rows[0].id;
        return { email, id, password: PASSWORD };
      };
      const login = async (u) => (await call("POST", "/auth/login", { body: { email: u.email, password: u.password, transport: "bearer" }, expect: 200 })).json();
      const seedToken = async (u, type) => {
        const raw = opaque();
        await db.query("INSERT INTO auth_tokens (token_type, token_hash, user_id, expires_at) VALUES ($1, $2, $3, now() + interval '20 minutes')", [type, sha256(raw), u.id]);
        return raw;
      };

      const users = {};
      for (const k of ["main", "refresh", "logout", "change", "reset", "verify"]) users[k] = await newUser(k);
      const main = await login(users.main);
      let refreshToken = (await login(users.refresh)).refresh_token;
      const change = { token: (await login(users.change)).access_token, current: PASSWORD, next: PASSWORD_2 };
      let n = 0;

      /** name → () => Promise<{ method, path, body?, auth?, expect, after? }> (the set-up is untimed). */
      const endpoints = {
        "GET /auth/me": async () => ({ method: "GET", path: "/auth/me", auth: main.access_token, expect: 200 }),
        "GET /auth/sessions": async () => ({ method: "GET", path: "/auth/sessions", auth: main.access_token, expect: 200 }),
        "DELETE /auth/sessions/{id}": async () => {
          const s = await login(users.logout);
          return { method: "DELETE", path: `/auth/sessions/${sidOf(s.access_token)}`, auth: s.access_token, expect: 204 };
        },
        "POST /auth/logout": async () => ({ method: "POST", path: "/auth/logout", auth: (await login(users.logout)).access_token, expect: 204 }),
        "POST /auth/logout-all": async () => ({ method: "POST", path: "/auth/logout-all", auth: (await login(users.logout)).access_token, expect: 204 }),
        "POST /auth/refresh": async () => ({
          method: "POST",
          path: "/auth/refresh",
          body: { refresh_token: refreshToken },
          expect: 200,
          after: (res) => (refreshToken = res.json().refresh_token),
        }),
        "POST /auth/login": async () => ({ method: "POST", path: "/auth/login", body: { email: users.main.email, password: PASSWORD, transport: "bearer" }, expect: 200 }),
        "POST /auth/register": async () => ({ method: "POST", path: "/auth/register", body: { email: `dist-reg-${Date.now()}-${n++}@example.com`, password: PASSWORD }, expect: 202 }),
        "POST /auth/password/change": async () => ({
          method: "POST",
          path: "/auth/password/change",
          auth: change.token,
          body: { current_password: change.current, new_password: change.next },
          expect: 204,
          after: () => ([change.current, change.next] = [change.next, change.current]),
        }),
        "POST /auth/password/reset": async () => ({
          method: "POST",
          path: "/auth/password/reset",
          body: { token: await seedToken(users.reset, "password_reset"), password: n++ % 2 ? PASSWORD : PASSWORD_2 },
          expect: 204,
        }),
        "POST /auth/email/verify": async () => ({ method: "POST", path: "/auth/email/verify", body: { token: await seedToken(users.verify, "email_verification") }, expect: 200 }),
        "POST /auth/password/forgot": async () => ({ method: "POST", path: "/auth/password/forgot", body: { email: users.reset.email }, expect: 202 }),
        "POST /auth/email/verify/request": async () => ({ method: "POST", path: "/auth/email/verify/request", auth: main.access_token, expect: 202 }),
        "GET /auth/health": async () => ({ method: "GET", path: "/auth/health", expect: 200 }),
        "GET proxied protected path": async () => ({ method: "GET", path: proxiedPath, auth: main.access_token, expect: 200 }),
      };

      const measure = async (delay) => {
        proxy.setDelay(delay);
        const out = {};
        for (const [name, make] of Object.entries(endpoints)) {
          const ms = [];
          const turns = [];
          const conns = [];
          for (let i = 0; i <= samples; i++) {
            const r = await make();
            // Deferred work of the set-up (audit rows, pool shutdown) must not land inside the timed request.
            await new Promise((res) => setTimeout(res, 30 + 2 * delay));
            const before = bridge.stats();
            const res = await call(r.method, r.path, { body: r.body, auth: r.auth, expect: r.expect });
            const after = bridge.stats();
            r.after?.(res);
            if (i === 0) continue; // warm-up
            ms.push(res.ms);
            turns.push(after.turns - before.turns);
            conns.push(after.connections - before.connections);
          }
          out[name] = { medianMs: Number(percentile(ms, 50).toFixed(2)), turns: percentile(turns, 50), connections: percentile(conns, 50) };
        }
        return out;
      };

      say(`distance: ${samples} samples per endpoint with no delay`);
      const near = await measure(0);
      say(`distance: ${samples} samples per endpoint at ${delayMs} ms each way`);
      const far = await measure(delayMs);
      agent.destroy();
      const rtt = 2 * delayMs;
      const rows = Object.keys(endpoints).map((name) => {
        const trips = (far[name].medianMs - near[name].medianMs) / rtt;
        const target = TARGETS[name];
        return {
          endpoint: name,
          noDelayMs: near[name].medianMs,
          delayedMs: far[name].medianMs,
          roundTrips: Number(trips.toFixed(2)),
          countedTurns: far[name].turns,
          connections: far[name].connections,
          target,
          // Timing decides when it is clear; the direct count settles a timing disturbed by the machine.
          met: trips <= target + 0.5 || far[name].turns <= target,
        };
      });
      return { oneWayDelayMs: delayMs, rttMs: rtt, samples, rows };
    });
  } finally {
    await db.end().catch(() => {});
    await bridge.close();
    await proxy.close();
  }
}
