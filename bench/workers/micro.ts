/**
 * Microbenchmarks inside workerd: the gateway's own functions, timed in the
 * runtime that runs them in production.
 *
 * bench/run.mjs starts this Worker with `wrangler dev -c bench/workers/micro.toml`
 * and the gateway's own environment (same secrets, same BCRYPT_COST), then asks:
 *
 *   GET /clock                   how the clock behaves here (see "Timing" below)
 *   GET /items                   the benchmark names
 *   GET /item/<name>?minMs=&rounds=   one benchmark: { perOpUs: median, rounds, n, ... }
 *   GET /fixed/<name>?n=N        exactly N iterations, no fences: for timing from outside
 *   GET /bcrypt/crosscheck       the three bcrypt libraries' formats, verified against each other
 *
 * Timing. Cloudflare freezes `Date.now()`/`performance.now()` during a request
 * and only moves them forward on I/O (a Spectre mitigation), so a loop timed
 * with two `Date.now()` calls and no I/O in between reads 0 there. Local
 * workerd under `wrangler dev` was measured to advance both clocks in real
 * time at 1 ms resolution (`/clock` reports it each run). The harness works
 * in both worlds: every timed batch is fenced by `await scheduler.wait(0)`
 * (a timer, which counts as I/O, so the clock is current right after it),
 *
 *   await fence(); t0 = Date.now(); <N iterations>; await fence(); t1 = Date.now()
 *
 * with N calibrated so one batch lasts >= minMs (200 ms by default, so the
 * 1 ms resolution is <= 0.5 % of it), the fence's own cost (measured, ~1 ms)
 * subtracted, and the median of several batches reported. `/fixed` lets
 * run.mjs cross-check one figure from outside (wall time of N iterations
 * minus N = 0, over the same keep-alive connection).
 */
import { verify as honoVerify } from "hono/jwt";
import bcryptjs from "bcryptjs";
import * as bcryptTs from "bcrypt-ts";
import { bcrypt as hwBcrypt, bcryptVerify as hwBcryptVerify } from "hash-wasm";
import { accessTokenService } from "../../src/auth/access-tokens";
import { gatewayCookieNames } from "../../src/auth/cookies";
import { createPasswordHasher } from "../../src/auth/passwords";
import { getConfig, type Config } from "../../src/config";
import { assertionSigner } from "../../src/proxy/assertion-signer";
import { downstreamResponseHeaders, injectIdentity, upstreamRequestHeaders } from "../../src/proxy/headers";
import { normalizePath } from "../../src/proxy/path";
import { kvRevocationStore } from "../../src/revocation";
import { openDatabase } from "../../src/db";
import { databaseOptions } from "../../src/deps";
import { durableRateLimiter } from "../../src/ratelimit/limiter";
import type { RateLimiterObject } from "../../src/ratelimit/object";
import { sql } from "drizzle-orm";

// The rate-limit Durable Object, bound in micro.toml, to time one call to it.
export { RateLimiterObject } from "../../src/ratelimit/object";

interface MicroEnv {
  /** A local KV namespace standing in for TOKEN_BLACKLIST. */
  KV: KVNamespace;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterObject>;
  [name: string]: unknown;
}

/** One benchmark: `op(i)` is one iteration; `setup` runs once per isolate. */
interface Bench {
  /** What it measures, printed in the report. */
  what: string;
  /** Iterations per batch are fixed (slow operations such as bcrypt) instead of calibrated. */
  fixedN?: number;
  /** Batches when the caller does not say; calibrated benchmarks default to 5. */
  rounds?: number;
  /** True when `op` is synchronous: the loop then avoids one `await` per iteration. */
  sync?: boolean;
  op: (i: number) => unknown;
  /**
   * For benchmarks that need I/O objects (a database pool): workerd forbids
   * using them across requests, so they are opened in the measuring request.
   */
  open?: () => { op: (i: number) => unknown; close: () => Promise<void> };
}

const PASSWORD = "Correct-Horse-Battery-42";
const BCRYPT_COST = 12;
const fence = () => scheduler.wait(0);
let sink: unknown;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Milliseconds for n iterations, fenced on both sides. */
async function batch(bench: Bench, n: number): Promise<number> {
  await fence();
  const t0 = Date.now();
  if (bench.sync) {
    for (let i = 0; i < n; i++) sink = bench.op(i);
  } else {
    for (let i = 0; i < n; i++) sink = await bench.op(i);
  }
  await fence();
  return Date.now() - t0;
}

let fenceMs: number | undefined;
/** The cost of the two fences alone (median of empty batches). */
async function fenceOverhead(): Promise<number> {
  if (fenceMs === undefined) {
    const xs: number[] = [];
    for (let k = 0; k < 15; k++) xs.push(await batch({ what: "", sync: true, op: () => 0 }, 0));
    fenceMs = median(xs);
  }
  return fenceMs;
}

async function run(spec: Bench, minMs: number, rounds: number) {
  const session = spec.open?.();
  try {
    return await measure(session ? { ...spec, op: session.op } : spec, minMs, rounds);
  } finally {
    await session?.close();
  }
}

async function measure(bench: Bench, minMs: number, rounds: number) {
  const overhead = await fenceOverhead();
  let n = bench.fixedN ?? 1;
  if (bench.fixedN === undefined) {
    // Calibrate: grow n until one batch lasts at least minMs.
    for (;;) {
      const ms = await batch(bench, n);
      if (ms >= minMs || n >= 50_000_000) break;
      n = ms < 2 ? n * 10 : Math.ceil((n * minMs * 1.2) / ms);
    }
  }
  const perOpUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ms = Math.max(0, (await batch(bench, n)) - overhead);
    perOpUs.push((ms * 1000) / n);
  }
  return {
    what: bench.what,
    n,
    rounds: perOpUs.map((x) => Number(x.toFixed(3))),
    perOpUs: Number(median(perOpUs).toFixed(3)),
    minUs: Number(Math.min(...perOpUs).toFixed(3)),
    fenceOverheadMs: overhead,
  };
}

/** What a protected request carries: a browser-ish set plus the bearer token. */
function inboundHeaders(token: string): Headers {
  return new Headers({
    host: "gateway.example.com",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
    accept: "application/json",
    "accept-encoding": "gzip, br",
    "accept-language": "en-GB,en;q=0.9,fr;q=0.8",
    authorization: `Bearer ${token}`,
    cookie: "access=abc; theme=dark; _ga=GA1.2.3",
    "cf-connecting-ip": "203.0.113.9",
    "cf-ray": "8f1a2b3c4d5e6f70-CDG",
    "x-forwarded-for": "198.51.100.7",
    "x-request-id": "req-123",
    "content-type": "application/json",
    connection: "keep-alive",
  });
}

/** What a typical upstream answer carries. */
function upstreamResponseHeaders(): Headers {
  const h = new Headers({
    "content-type": "application/json",
    "content-length": "27",
    date: "Tue, 24 Nov 2026 10:00:00 GMT",
    server: "uvicorn",
    "cache-control": "no-store",
    "x-user-id": "spoof",
    connection: "keep-alive",
  });
  h.append("set-cookie", "app=1; Path=/");
  h.append("set-cookie", "access=planted; Path=/");
  return h;
}

const PATHS = [
  "/health",
  "/api/tasks",
  "/api/tasks/42/subtasks?sort=due",
  "/api//users/./me",
  "/api/a/b/../c/%7Euser",
  "/sms/twilio/inbound",
  "/api/reminders/2026-11-24T10%3A00%3A00Z",
  "/static/app.3f9c2e.js",
];

interface State {
  config: Config;
  benches: Map<string, Bench>;
  hashes: Record<string, string>;
}
let state: Promise<State> | undefined;

/** A configuration signing with a fresh key of `alg` (what `npm run keys -- <alg>` prints). */
async function asymmetricConfig(env: MicroEnv, alg: "EdDSA" | "ES256"): Promise<Config> {
  const params = alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return getConfig({ ...env, JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: JSON.stringify(jwk) });
}

/** Sign and verify of an access token, and an assertion sign, under one configuration. */
async function signingBenches(config: Config, label: string): Promise<[string, Bench][]> {
  const tokens = accessTokenService(config);
  const subject = { id: "4242", email: "ana@example.com", emailVerified: true, roles: ["user"] };
  const { token } = await tokens.issue(subject, "0b7e0f6c-sess", Date.now());
  const signer = assertionSigner(config);
  const claims = { sub: "4242", sid: "s", email: "ana@example.com", email_verified: true, roles: ["user"], amr: ["pwd"], method: "GET", path: "/api/tasks", requestId: "r" };
  const key = label.toLowerCase();
  return [
    [`jwt.sign.${key}`, { what: `access token sign (accessTokenService.issue, jose ${label})`, op: () => tokens.issue(subject, "0b7e0f6c-sess", Date.now()) }],
    [`jwt.verify.${key}`, { what: `access token verify (accessTokenService.verify, jose ${label} + claim checks)`, op: () => tokens.verify(token, Date.now()) }],
    [`assertion.sign.${key}`, { what: `x-auth-assertion sign (assertionSigner, jose ${label})`, op: () => signer.sign(claims, Date.now()) }],
  ];
}

async function build(env: MicroEnv): Promise<State> {
  const config = getConfig(env);
  const eddsa = await signingBenches(await asymmetricConfig(env, "EdDSA"), "EdDSA");
  const es256 = await signingBenches(await asymmetricConfig(env, "ES256"), "ES256");
  const tokens = accessTokenService(config);
  const subject = { id: "4242", email: "ana@example.com", emailVerified: true, roles: ["user"] };
  const { token } = await tokens.issue(subject, "0b7e0f6c-sess", Date.now());
  const signer = assertionSigner(config);
  const revocations = kvRevocationStore(env.KV);
  const cookieNames = gatewayCookieNames(config);
  const limiter = durableRateLimiter(env.RATE_LIMITER);
  const inbound = inboundHeaders(token);
  const fwd = { clientIp: "203.0.113.9", proto: "https", host: "gateway.example.com", requestId: "req-123" };
  const hasher = createPasswordHasher({
    pepper: config.passwordPepper,
    previousPeppers: config.passwordPreviousPeppers,
    cost: config.bcryptCost,
  });
  const stored = await hasher.hash(PASSWORD);
  const hashes: Record<string, string> = {
    bcryptjs: bcryptjs.hashSync(PASSWORD, BCRYPT_COST),
    "bcrypt-ts": bcryptTs.hashSync(PASSWORD, BCRYPT_COST),
  };
  const hw = await hashWasm(PASSWORD, BCRYPT_COST);
  if (hw.hash) hashes["hash-wasm"] = hw.hash;

  const identity = (claims: Awaited<ReturnType<typeof tokens.verify>>, assertion: string) => ({
    userId: claims.sub,
    email: claims.email,
    emailVerified: claims.email_verified,
    roles: claims.roles,
    sessionId: claims.sid,
    amr: claims.amr,
    assertion,
  });
  const assertionClaims = {
    sub: "4242",
    sid: "0b7e0f6c-sess",
    email: "ana@example.com",
    email_verified: true,
    roles: ["user"],
    amr: ["pwd"],
    method: "GET",
    path: "/api/tasks",
    requestId: "req-123",
  };

  const list: [string, Bench][] = [
    ["loop.noop", { what: "empty loop iteration (harness floor)", sync: true, op: (i) => i }],
    ["jwt.sign", { what: "access token sign (accessTokenService.issue, jose HS256)", op: () => tokens.issue(subject, "0b7e0f6c-sess", Date.now()) }],
    ["jwt.verify", { what: "access token verify (accessTokenService.verify, jose HS256 + claim checks)", op: () => tokens.verify(token, Date.now()) }],
    [
      "jwt.verify.hono",
      {
        what: "hono/jwt verify of the same token (imports the key on every call, as the middleware does)",
        op: () => honoVerify(token, config.jwtSecret, { alg: "HS256", typ: "at+jwt", iss: config.jwtIssuer, aud: config.jwtAudience }),
      },
    ],
    ["assertion.sign", { what: "x-auth-assertion sign (assertionSigner, jose HS256)", op: () => signer.sign(assertionClaims, Date.now()) }],
    ...eddsa,
    ...es256,
    [
      "headers.upstream",
      {
        what: "upstreamRequestHeaders + injectIdentity on 13 inbound headers",
        sync: true,
        op: () => {
          const h = upstreamRequestHeaders(inbound, { forwardAuthorization: false, gatewayCookieNames: cookieNames });
          injectIdentity(h, { userId: "4242", email: "ana@example.com", emailVerified: true, roles: ["user"], sessionId: "s", amr: ["pwd"], assertion: "x.y.z" }, fwd);
          return h;
        },
      },
    ],
    ["headers.downstream", { what: "downstreamResponseHeaders on 9 upstream headers", sync: true, op: () => downstreamResponseHeaders(upstreamResponseHeaders(), cookieNames) }],
    ["path.normalize", { what: "normalizePath, one of 8 realistic paths per call", sync: true, op: (i) => normalizePath(PATHS[i % PATHS.length] as string) }],
    ["kv.revocation", { what: "KV revocation check (3-key bulk get, local Miniflare KV: I/O)", op: () => revocations.isRevoked({ jti: "j1", sid: "s1", sub: "4242", iat: 1 }) }],
    [
      "edge.protected",
      {
        what: "the whole protected-path edge work without HTTP: verify + KV + headers both ways + assertion",
        op: async () => {
          const claims = await tokens.verify(token, Date.now());
          await revocations.isRevoked({ jti: claims.jti, sid: claims.sid, sub: claims.sub, iat: claims.iat });
          const h = upstreamRequestHeaders(inbound, { forwardAuthorization: false, gatewayCookieNames: cookieNames });
          const assertion = await signer.sign(assertionClaims, Date.now());
          injectIdentity(h, identity(claims, assertion), fwd);
          return downstreamResponseHeaders(upstreamResponseHeaders(), cookieNames);
        },
      },
    ],
    ["edge.protected.cpu", {
      what: "the same without the KV read (pure CPU: verify + headers + assertion)",
      op: async () => {
        const claims = await tokens.verify(token, Date.now());
        const h = upstreamRequestHeaders(inbound, { forwardAuthorization: false, gatewayCookieNames: cookieNames });
        const assertion = await signer.sign(assertionClaims, Date.now());
        injectIdentity(h, identity(claims, assertion), fwd);
        return downstreamResponseHeaders(upstreamResponseHeaders(), cookieNames);
      },
    }],
    [
      "db.connect+query",
      {
        what: "new Postgres pool + SELECT 1 + end, as a gateway request that needs the DB does (WebSocket bridge, password auth)",
        op: async () => {
          const handle = openDatabase(databaseOptions(config));
          await handle.db.execute(sql`select 1`);
          await handle.close();
        },
      },
    ],
    [
      "db.query",
      {
        what: "SELECT 1 on an open connection (one round trip through the bridge)",
        op: () => undefined,
        open: () => {
          const handle = openDatabase(databaseOptions(config));
          return { op: () => handle.db.execute(sql`select 1`), close: () => handle.close() };
        },
      },
    ],
    [
      "do.ratelimit",
      {
        what: "one rate-limit Durable Object call (consume; local SQLite-backed DO)",
        op: (i) => limiter.consume(`bench:${i % 10}`, { limit: 999_999, windowSeconds: 1 }, Date.now()),
      },
    ],
    [
      "password.hash",
      { what: `createPasswordHasher.hash (HMAC pre-hash + bcrypt-ts, cost ${config.bcryptCost})`, fixedN: 1, rounds: 3, op: () => hasher.hash(PASSWORD) },
    ],
    [
      "password.verify",
      { what: `createPasswordHasher.verify, right password (cost ${config.bcryptCost})`, fixedN: 1, rounds: 5, op: () => hasher.verify(PASSWORD, stored) },
    ],
    [
      "password.verify.unknown",
      { what: "createPasswordHasher.verify for an unknown user (dummy hash: must cost the same)", fixedN: 1, rounds: 3, op: () => hasher.verify(PASSWORD, null) },
    ],
    ["bcrypt.bcryptjs.hash", { what: `bcryptjs 3 hashSync, cost ${BCRYPT_COST}`, fixedN: 1, rounds: 3, op: () => bcryptjs.hashSync(PASSWORD, BCRYPT_COST) }],
    ["bcrypt.bcryptjs.verify", { what: `bcryptjs 3 compareSync, cost ${BCRYPT_COST}`, fixedN: 1, rounds: 3, op: () => bcryptjs.compareSync(PASSWORD, hashes.bcryptjs as string) }],
    ["bcrypt.bcrypt-ts.hash", { what: `bcrypt-ts 9 hashSync, cost ${BCRYPT_COST}`, fixedN: 1, rounds: 3, op: () => bcryptTs.hashSync(PASSWORD, BCRYPT_COST) }],
    ["bcrypt.bcrypt-ts.verify", { what: `bcrypt-ts 9 compareSync, cost ${BCRYPT_COST}`, fixedN: 1, rounds: 3, op: () => bcryptTs.compareSync(PASSWORD, hashes["bcrypt-ts"] as string) }],
  ];
  if (hw.hash) {
    list.push(
      ["bcrypt.hash-wasm.hash", { what: `hash-wasm 4.13 bcrypt (WebAssembly), cost ${BCRYPT_COST}`, fixedN: 1, rounds: 3, op: () => hashWasm(PASSWORD, BCRYPT_COST) }],
      ["bcrypt.hash-wasm.verify", { what: `hash-wasm 4.13 bcryptVerify, cost ${BCRYPT_COST}`, fixedN: 1, rounds: 3, op: () => hwBcryptVerify({ password: PASSWORD, hash: hashes["hash-wasm"] as string }) }],
    );
  }
  return { config, benches: new Map(list), hashes };
}

/** hash-wasm compiles its WebAssembly from bytes at first use; workerd may refuse that. */
async function hashWasm(password: string, cost: number): Promise<{ hash?: string; error?: string }> {
  try {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    return { hash: await hwBcrypt({ password, salt, costFactor: cost, outputType: "encoded" }) };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** Each library's hash at cost 4, verified by every library: are they one format? */
async function crosscheck() {
  const cost = 4;
  const pw = PASSWORD;
  const made: Record<string, string | { error: string }> = {
    bcryptjs: bcryptjs.hashSync(pw, cost),
    "bcrypt-ts": bcryptTs.hashSync(pw, cost),
  };
  const hw = await hashWasm(pw, cost);
  made["hash-wasm"] = hw.hash ?? { error: hw.error ?? "unknown" };
  const verifiers: Record<string, (hash: string, candidate: string) => Promise<boolean>> = {
    bcryptjs: async (h, c) => bcryptjs.compareSync(c, h),
    "bcrypt-ts": async (h, c) => bcryptTs.compareSync(c, h),
    "hash-wasm": (h, c) => hwBcryptVerify({ password: c, hash: h }),
  };
  const matrix: Record<string, Record<string, string>> = {};
  for (const [maker, hash] of Object.entries(made)) {
    matrix[maker] = {};
    for (const [verifier, verify] of Object.entries(verifiers)) {
      if (typeof hash !== "string") {
        matrix[maker][verifier] = "no hash";
        continue;
      }
      try {
        const right = await verify(hash, pw);
        const wrong = await verify(hash, `${pw}x`);
        matrix[maker][verifier] = right && !wrong ? "ok" : `FAIL (right=${right}, wrong=${wrong})`;
      } catch (err) {
        matrix[maker][verifier] = `error: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
  const prefixes = Object.fromEntries(
    Object.entries(made).map(([k, v]) => [k, typeof v === "string" ? v.slice(0, 7) : v.error]),
  );
  return { cost, prefixes, hashes: made, matrix };
}

/** How the clock behaves in this runtime. */
async function clockProbe() {
  // 1. Does Date.now() move during pure computation (no I/O)?
  const start = Date.now();
  let x = 0;
  let distinct = 1;
  let last = start;
  for (let i = 0; i < 3_000_000; i++) {
    x += Math.sqrt(i);
    if ((i & 1023) === 0) {
      const t = Date.now();
      if (t !== last) {
        distinct++;
        last = t;
      }
    }
  }
  sink = x;
  const noIoElapsedMs = Date.now() - start;
  // 2. performance.now(): its origin and resolution.
  const p0 = performance.now();
  const fractional = !Number.isInteger(p0);
  // 3. The fence's cost.
  const overhead = await fenceOverhead();
  return {
    advancesWithoutIo: noIoElapsedMs > 0,
    noIoElapsedMs,
    distinctDateValuesDuringLoop: distinct,
    performanceNowFractional: fractional,
    performanceTimeOrigin: performance.timeOrigin,
    fenceOverheadMs: overhead,
  };
}

export default {
  async fetch(request: Request, env: MicroEnv): Promise<Response> {
    const url = new URL(request.url);
    const parts = url.pathname.split("/").filter(Boolean);
    try {
      if (parts[0] === "clock") return Response.json(await clockProbe());
      if (parts[0] === "bcrypt" && parts[1] === "crosscheck") return Response.json(await crosscheck());
      state ??= build(env);
      const s = await state;
      if (parts[0] === "items") {
        return Response.json(Object.fromEntries([...s.benches].map(([k, b]) => [k, b.what])));
      }
      const bench = s.benches.get(parts[1] ?? "");
      if (parts[0] === "item" && bench) {
        const minMs = Number(url.searchParams.get("minMs") ?? 200);
        const rounds = Number(url.searchParams.get("rounds") ?? bench.rounds ?? 5);
        return Response.json({ name: parts[1], bcryptCost: s.config.bcryptCost, ...(await run(bench, minMs, rounds)) });
      }
      if (parts[0] === "fixed" && bench) {
        const n = Number(url.searchParams.get("n") ?? 0);
        if (bench.sync) for (let i = 0; i < n; i++) sink = bench.op(i);
        else for (let i = 0; i < n; i++) sink = await bench.op(i);
        return Response.json({ name: parts[1], n });
      }
      if (parts[0] === "hash-wasm") {
        // Why hash-wasm is or is not in the table.
        return Response.json(await hashWasm(PASSWORD, 4));
      }
      return Response.json({ error: "not found" }, { status: 404 });
    } catch (err) {
      state = undefined;
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return Response.json({ error: message }, { status: 500 });
    }
  },
} satisfies ExportedHandler<MicroEnv>;
