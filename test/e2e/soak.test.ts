// A shortened soak for CI: ~1500 mixed requests from 30 simulated clients
// (distinct CF-Connecting-IP values, which development honours) against one
// real gateway (`npm run dev`) in front of FastAPI. Legitimate traffic must
// never be refused, attacks must meet the designed errors, nothing may answer
// 5xx, and the database must be consistent afterwards.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, strongPassword, uniqueEmail, type Answer, type BearerSession } from "./helpers/client";
import { startStack, type Stack } from "./helpers/stack";

const CLIENTS = 30;
const LEGIT_CLIENTS = CLIENTS - 2; // plus one IP flooder and one account-lock flooder
const REQUESTS_PER_LEGIT_CLIENT = 50;
const LOGIN_LIMIT = 50; // per IP per 15 min: a legitimate client logs in ~10 times here
const IP_FLOOD = 70; // wrong passwords from one IP: LOGIN_LIMIT x 401, then 429 rate_limited
const LOCK_FLOOD = 25; // wrong passwords on one account: 10 x 401, then 429 account_locked
const LOCKOUT_THRESHOLD = 10;
const DESIGNED = new Set([200, 202, 204, 401, 403, 429]);

interface Rec {
  kind: string;
  status: number;
  code?: string;
  ms: number;
  error?: string;
}

const records: Rec[] = [];
const violations: string[] = [];
let stack: Stack;
const ip = ipAllocator();

/** A seeded PRNG (mulberry32), so a failing mix can be replayed with E2E_SOAK_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seed = Number(process.env.E2E_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));

async function req<T = any>(kind: string, method: string, path: string, opts: Parameters<typeof call>[3] = {}): Promise<Answer<T>> {
  const t0 = performance.now();
  try {
    const res = await call<T>(stack.gatewayUrl, method, path, opts);
    const code = typeof (res.body as any)?.code === "string" ? (res.body as any).code : undefined;
    const rec: Rec = { kind, status: res.status, code, ms: performance.now() - t0 };
    if (!DESIGNED.has(res.status)) rec.error = `${res.headers.get("content-type")} ${res.text.slice(0, 300)}`;
    records.push(rec);
    return res;
  } catch (err) {
    records.push({ kind, status: 0, ms: performance.now() - t0, error: String(err) });
    throw err;
  }
}

function want(cond: boolean, what: string, res?: Answer): void {
  if (!cond) violations.push(`${what}${res ? ` → ${res.status} ${res.text.slice(0, 200)}` : ""}`);
}

interface Client {
  n: number;
  ip: string;
  email: string;
  password: string;
  userId: string;
  session: BearerSession;
  sid: string;
  requests: number;
}

const loggedOutSessions: string[] = [];
const finalSessions = new Map<string, string>(); // sid -> user id
let acceptedRegistrations = 0;
const victim = { email: uniqueEmail("soak.victim"), password: strongPassword() };

async function login(c: Client, kind = "login"): Promise<boolean> {
  const res = await req<BearerSession>(kind, "POST", "/auth/login", {
    json: { email: c.email, password: c.password, transport: "bearer" },
    headers: { "cf-connecting-ip": c.ip },
  });
  c.requests++;
  want(res.status === 200, `client ${c.n}: login`, res);
  if (res.status !== 200) return false;
  c.session = res.body;
  const me = await req("me", "GET", "/api/me", { headers: auth(c) });
  c.requests++;
  want(me.status === 200 && me.body?.id === c.userId, `client ${c.n}: /api/me after login`, me);
  c.sid = me.body?.session;
  return true;
}

const auth = (c: Client) => ({ authorization: `Bearer ${c.session.access_token}`, "cf-connecting-ip": c.ip });

async function legitClient(n: number, rnd: () => number): Promise<void> {
  const c = { n, ip: ip(n), email: uniqueEmail(`soak${n}`), password: strongPassword(), requests: 0 } as Client;
  const reg = await req("register", "POST", "/auth/register", { json: { email: c.email, password: c.password }, headers: { "cf-connecting-ip": c.ip } });
  c.requests++;
  want(reg.status === 202, `client ${n}: register`, reg);
  if (reg.status === 202) acceptedRegistrations++;
  const first = await req<BearerSession>("login", "POST", "/auth/login", {
    json: { email: c.email, password: c.password, transport: "bearer" },
    headers: { "cf-connecting-ip": c.ip },
  });
  c.requests++;
  if (first.status !== 200) {
    want(false, `client ${n}: first login`, first);
    return;
  }
  c.session = first.body;
  c.userId = first.body.user.id;
  const firstMe = await req("me", "GET", "/api/me", { headers: auth(c) });
  c.requests++;
  c.sid = firstMe.body?.session;

  while (c.requests < REQUESTS_PER_LEGIT_CLIENT) {
    const r = rnd();
    if (r < 0.38) {
      const me = await req("me", "GET", "/api/me", { headers: auth(c) });
      c.requests++;
      want(me.status === 200 && me.body?.id === c.userId && me.body?.session === c.sid, `client ${n}: /api/me`, me);
    } else if (r < 0.46) {
      const payload = { n, r, text: "soak ✓" };
      const echo = await req("echo", "POST", "/api/echo", { json: payload, headers: auth(c) });
      c.requests++;
      want(echo.status === 200 && JSON.stringify(echo.body?.body) === JSON.stringify(payload), `client ${n}: echo`, echo);
    } else if (r < 0.54) {
      const me = await req("auth_me", "GET", "/auth/me", { headers: auth(c) });
      c.requests++;
      want(me.status === 200 && me.body?.user?.id === c.userId, `client ${n}: /auth/me`, me);
    } else if (r < 0.66) {
      const res = await req<BearerSession>("refresh", "POST", "/auth/refresh", {
        json: { refresh_token: c.session.refresh_token },
        headers: { "cf-connecting-ip": c.ip },
      });
      c.requests++;
      want(res.status === 200, `client ${n}: refresh`, res);
      if (res.status === 200) c.session = { ...res.body, user: res.body.user };
    } else if (r < 0.72) {
      // Two tabs refreshing the same token at once: both succeed with the same successor.
      const body = { refresh_token: c.session.refresh_token };
      const [a, b] = await Promise.all([
        req<BearerSession>("refresh_pair", "POST", "/auth/refresh", { json: body, headers: { "cf-connecting-ip": c.ip } }),
        req<BearerSession>("refresh_pair", "POST", "/auth/refresh", { json: body, headers: { "cf-connecting-ip": c.ip } }),
      ]);
      c.requests += 2;
      want(a.status === 200 && b.status === 200, `client ${n}: concurrent refresh pair (${a.status}, ${b.status})`, a.status === 200 ? b : a);
      want(a.body?.refresh_token === b.body?.refresh_token, `client ${n}: concurrent refreshes returned different successors`);
      const winner = a.status === 200 ? a : b;
      if (winner.status === 200) c.session = winner.body;
    } else if (r < 0.8) {
      const wrong = await req("login_wrong", "POST", "/auth/login", {
        json: { email: c.email, password: `${c.password}-wrong`, transport: "bearer" },
        headers: { "cf-connecting-ip": c.ip },
      });
      c.requests++;
      want(wrong.status === 401 && wrong.body?.code === "invalid_credentials", `client ${n}: wrong password`, wrong);
    } else if (r < 0.9) {
      // A second device logs in: a new session, the old one keeps working.
      const before = c.session;
      const beforeSid = c.sid;
      if (!(await login(c))) return;
      const old = await req("me", "GET", "/api/me", { headers: { authorization: `Bearer ${before.access_token}`, "cf-connecting-ip": c.ip } });
      c.requests++;
      want(old.status === 200 && old.body?.session === beforeSid, `client ${n}: the other session still works`, old);
    } else {
      // Log out, the token dies at once, then log in again.
      const out = await req("logout", "POST", "/auth/logout", { headers: auth(c) });
      c.requests++;
      want(out.status === 204, `client ${n}: logout`, out);
      loggedOutSessions.push(c.sid);
      const dead = await req("me_after_logout", "GET", "/api/me", { headers: auth(c) });
      c.requests++;
      want(dead.status === 401 && dead.body?.code === "token_revoked", `client ${n}: token after logout`, dead);
      const refresh = await req("refresh_after_logout", "POST", "/auth/refresh", {
        json: { refresh_token: c.session.refresh_token },
        headers: { "cf-connecting-ip": c.ip },
      });
      c.requests++;
      want(refresh.status === 401, `client ${n}: refresh after logout`, refresh);
      if (!(await login(c))) return;
    }
  }
  finalSessions.set(c.sid, c.userId);
}

/** Wrong passwords for unknown emails from one IP: exactly LOGIN_LIMIT get 401, the rest 429. */
async function ipFlooder(n: number): Promise<void> {
  const floodIp = ip(n);
  const results: Answer[] = [];
  const one = async (i: number) => {
    const res = await req("flood_ip", "POST", "/auth/login", {
      json: { email: uniqueEmail(`nobody${i}`), password: "Wrong-Passw0rd!", transport: "bearer" },
      headers: { "cf-connecting-ip": floodIp },
    });
    results.push(res);
  };
  for (let i = 0; i < IP_FLOOD; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => one(i + k)));
  const unauthorized = results.filter((r) => r.status === 401 && r.body?.code === "invalid_credentials").length;
  const limited = results.filter((r) => r.status === 429 && r.body?.code === "rate_limited");
  want(unauthorized === LOGIN_LIMIT, `IP flood: ${unauthorized} x 401, expected exactly ${LOGIN_LIMIT}`);
  want(limited.length === IP_FLOOD - LOGIN_LIMIT, `IP flood: ${limited.length} x 429 rate_limited, expected ${IP_FLOOD - LOGIN_LIMIT}`);
  for (const r of limited) {
    want(Number(r.headers.get("retry-after")) > 0, "429 without Retry-After", r);
    want(r.headers.get("ratelimit-limit") === String(LOGIN_LIMIT), "429 without RateLimit-Limit", r);
    want(r.headers.get("ratelimit-remaining") === "0", "429 without RateLimit-Remaining: 0", r);
  }
}

/** Wrong passwords on one account: 10 x 401, then 429 account_locked, even for the right password. */
async function lockFlooder(n: number): Promise<void> {
  const floodIp = ip(n);
  const codes: string[] = [];
  for (let i = 0; i < LOCK_FLOOD; i++) {
    const res = await req("flood_lock", "POST", "/auth/login", {
      json: { email: victim.email, password: `guess-${i}-Aa1!`, transport: "bearer" },
      headers: { "cf-connecting-ip": floodIp },
    });
    codes.push(`${res.status}:${res.body?.code}`);
  }
  const expected = [
    ...Array<string>(LOCKOUT_THRESHOLD).fill("401:invalid_credentials"),
    ...Array<string>(LOCK_FLOOD - LOCKOUT_THRESHOLD).fill("429:account_locked"),
  ];
  want(JSON.stringify(codes) === JSON.stringify(expected), `lock flood answered ${codes.join(",")}`);
  const right = await req("flood_lock", "POST", "/auth/login", {
    json: { email: victim.email, password: victim.password, transport: "bearer" },
    headers: { "cf-connecting-ip": ip(n + 100) },
  });
  want(right.status === 429 && right.body?.code === "account_locked", "the right password during the lock", right);
}

async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

let durationMs = 0;

beforeAll(async () => {
  stack = await startStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "soak",
    env: {
      RATE_LIMIT_LOGIN: `${LOGIN_LIMIT}/15m`,
      // Per user: a client here refreshes ~15 times (the default is 10/1h).
      RATE_LIMIT_REFRESH: "100/1h",
      LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
    },
  });
  const reg = await call(stack.gatewayUrl, "POST", "/auth/register", {
    json: victim,
    headers: { "cf-connecting-ip": ip(200) },
  });
  if (reg.status !== 202) throw new Error(`victim registration answered ${reg.status}`);
  acceptedRegistrations++;
});

afterAll(async () => {
  await stack?.stop();
});

describe("soak: mixed traffic from 30 clients", () => {
  it("answers ~1500 mixed requests with designed statuses only, and refuses no legitimate request", async () => {
    const t0 = performance.now();
    const rnd = prng(seed);
    const clientSeeds = Array.from({ length: LEGIT_CLIENTS }, () => Math.floor(rnd() * 2 ** 31));
    await Promise.all([
      ...clientSeeds.map((s, i) => legitClient(i + 1, prng(s))),
      ipFlooder(LEGIT_CLIENTS + 1),
      lockFlooder(LEGIT_CLIENTS + 2),
    ]);
    durationMs = performance.now() - t0;

    const histogram: Record<string, number> = {};
    for (const r of records) histogram[`${r.status}${r.code ? ` ${r.code}` : ""}`] = (histogram[`${r.status}${r.code ? ` ${r.code}` : ""}`] ?? 0) + 1;
    const sorted = records.map((r) => r.ms).sort((a, b) => a - b);
    const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
    console.info(
      `soak seed=${seed}: ${records.length} requests in ${(durationMs / 1000).toFixed(1)} s ` +
        `(p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms); ${JSON.stringify(histogram)}`,
    );

    expect(records.length).toBeGreaterThanOrEqual(1400);
    const undesigned = records.filter((r) => !DESIGNED.has(r.status));
    if (undesigned.length > 0) {
      const interesting = stack.gateway.log.lines.filter((l) => /\b(error|503|unavailable|exception|timeout)\b/i.test(l));
      console.error(`gateway log, matching lines:\n${interesting.slice(-40).join("\n")}`);
    }
    // wrangler dev reloads the Worker when a file under src/ changes, and answers in-flight
    // non-GET requests with its own 503 ("Your worker restarted mid-request"): such a run
    // measured two versions of the code and is void; say so rather than blame the gateway.
    const reloaded = stack.gateway.log.lines.some((l) => /Reloading local server/.test(l));
    expect(undesigned, `${reloaded ? "[the Worker was reloaded during the run: a source file changed] " : ""}${JSON.stringify(undesigned.slice(0, 10))}`).toEqual([]);
    expect(reloaded, "the Worker was reloaded during the run (a source file changed)").toBe(false);
    expect(records.filter((r) => r.status >= 500)).toEqual([]);
    expect(violations, `seed ${seed}`).toEqual([]);
    // Both designed refusals of the floods occurred.
    expect(histogram["429 rate_limited"]).toBe(IP_FLOOD - LOGIN_LIMIT);
    expect(histogram["429 account_locked"]).toBe(LOCK_FLOOD - LOCKOUT_THRESHOLD + 1);
    expect(records.some((r) => r.kind === "refresh_pair")).toBe(true);
    expect(records.some((r) => r.kind === "logout")).toBe(true);
  });

  it("leaves the database consistent", async () => {
    // No session (token family) with two live refresh tokens.
    const doubled = await sql(
      `SELECT session_id, count(*)::int AS live FROM auth_tokens
        WHERE token_type = 'refresh' AND used_at IS NULL AND NOT is_revoked AND expires_at > now()
        GROUP BY session_id HAVING count(*) > 1`,
    );
    expect(doubled).toEqual([]);
    expect(await sql("SELECT id FROM users WHERE failed_login_attempts < 0")).toEqual([]);
    expect(await sql("SELECT id, email FROM users WHERE password_hash IS NULL OR password_hash = ''")).toEqual([]);
    // One row per accepted registration (every email was new).
    const [{ n }] = (await sql<{ n: number }>("SELECT count(*)::int AS n FROM users")) as [{ n: number }];
    expect(n).toBe(acceptedRegistrations);
    // Logged-out sessions hold no live refresh token; every client's last session holds exactly one.
    const live = await sql<{ session_id: string; user_id: string }>(
      `SELECT session_id::text, user_id::text FROM auth_tokens
        WHERE token_type = 'refresh' AND used_at IS NULL AND NOT is_revoked AND expires_at > now()`,
    );
    const liveBySession = new Map(live.map((r) => [r.session_id, r.user_id]));
    expect(loggedOutSessions.filter((sid) => liveBySession.has(sid))).toEqual([]);
    expect(finalSessions.size).toBe(LEGIT_CLIENTS);
    for (const [sid, userId] of finalSessions) expect(liveBySession.get(sid), `session ${sid}`).toBe(userId);
    // The locked account's mirror in Postgres (written after each response).
    await expect
      .poll(async () => (await sql("SELECT failed_login_attempts, locked_until > now() AS locked FROM users WHERE lower(email) = lower($1)", [victim.email]))[0], { timeout: 5_000 })
      .toEqual({ failed_login_attempts: LOCKOUT_THRESHOLD, locked: true });
  });

  it("kept the whole run within the CI budget", () => {
    expect(durationMs).toBeGreaterThan(0);
    expect(durationMs).toBeLessThan(90_000);
  });
});
