// Enumeration through timing, measured where a client measures it: over HTTP
// against `npm run dev` (real workerd, real Postgres, bcrypt at the production
// cost of 12). For login, register and forgot, known and unknown emails are
// interleaved; their medians must differ by less than the run's own noise.
//
// The bound, computed from each run: the larger of the two groups' interquartile
// ranges, or 25 % of the pooled median, whichever is larger. A real leak (a
// skipped bcrypt verify: ~220 ms at cost 12; a synchronous mail or token write
// on one path only) is far outside it.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, uniqueEmail } from "./helpers/client";
import { startStack, type Stack } from "./helpers/stack";

const SAMPLES = 11;
const PASSWORD = "Correct-Horse-42";
let stack: Stack;
const ip = ipAllocator();
let n = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function iqr(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] as number;
  return q(0.75) - q(0.25);
}

async function timed(fn: () => Promise<{ status: number }>): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const { status } = await fn();
  return { ms: performance.now() - t0, status };
}

/**
 * `settleMs`: a pause after each timed request, so that the background work a request deferred
 * (forgot's lookup, token and mail run after its 202) has finished before the next one is timed.
 * Without it the request after a known email's (heavier) background work was slower, whichever
 * email it was for: the comparison then measured the neighbour, not the request.
 */
async function compare(
  label: string,
  known: () => Promise<{ status: number }>,
  unknown: () => Promise<{ status: number }>,
  samples = SAMPLES,
  settleMs = 0,
) {
  const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs));
  const a: number[] = [];
  const b: number[] = [];
  const statuses = new Set<string>();
  await known(); // warm both paths before measuring
  await unknown();
  for (let i = 0; i < samples; i++) {
    // Alternate which path goes first, so drift in the machine's load hits both alike.
    let x: { ms: number; status: number };
    let y: { ms: number; status: number };
    if (i % 2) {
      y = await timed(unknown);
      await settle();
      x = await timed(known);
    } else {
      x = await timed(known);
      await settle();
      y = await timed(unknown);
    }
    await settle();
    a.push(x.ms);
    b.push(y.ms);
    statuses.add(`${x.status}/${y.status}`);
  }
  const diff = Math.abs(median(a) - median(b));
  const bound = Math.max(iqr(a), iqr(b), 0.25 * median([...a, ...b]));
  console.log(
    `${label}: known median ${median(a).toFixed(1)} ms, unknown median ${median(b).toFixed(1)} ms, |diff| ${diff.toFixed(1)} ms, bound ${bound.toFixed(1)} ms`,
  );
  return { diff, bound, statuses };
}

beforeAll(async () => {
  stack = await startStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "timing",
    env: {
      BCRYPT_COST: "12",
      RATE_LIMIT_LOGIN: "100000/1m",
      RATE_LIMIT_REGISTER: "100000/1m",
      RATE_LIMIT_FORGOT_IP: "100000/1m",
      RATE_LIMIT_FORGOT_EMAIL: "100000/1m",
      LOCKOUT_THRESHOLD: "1000",
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("enumeration by timing", () => {
  it("login: a wrong password and an unknown email take the same time", async () => {
    const email = uniqueEmail("timing");
    const reg = await call(stack.gatewayUrl, "POST", "/auth/register", { json: { email, password: PASSWORD }, headers: { "cf-connecting-ip": ip(n++) } });
    expect(reg.status).toBe(202);
    const login = (who: string) => () =>
      call(stack.gatewayUrl, "POST", "/auth/login", {
        json: { email: who, password: "Wrong-Pass-123", transport: "bearer" },
        headers: { "cf-connecting-ip": ip(n++) },
      });
    const r = await compare("login", login(email), login(uniqueEmail("ghost")));
    expect([...r.statuses]).toEqual(["401/401"]);
    expect(r.diff).toBeLessThanOrEqual(r.bound);
  });

  it("register: a taken email and a new one take the same time", async () => {
    const taken = uniqueEmail("taken");
    await call(stack.gatewayUrl, "POST", "/auth/register", { json: { email: taken, password: PASSWORD }, headers: { "cf-connecting-ip": ip(n++) } });
    const reg = (who: () => string) => () =>
      call(stack.gatewayUrl, "POST", "/auth/register", { json: { email: who(), password: PASSWORD }, headers: { "cf-connecting-ip": ip(n++) } });
    const r = await compare("register", reg(() => taken), reg(() => uniqueEmail("fresh")));
    expect([...r.statuses]).toEqual(["202/202"]);
    expect(r.diff).toBeLessThanOrEqual(r.bound);
  });

  it("forgot: a known and an unknown email take the same time", async () => {
    const known = uniqueEmail("forgot");
    await call(stack.gatewayUrl, "POST", "/auth/register", { json: { email: known, password: PASSWORD }, headers: { "cf-connecting-ip": ip(n++) } });
    const forgot = (who: () => string) => () =>
      call(stack.gatewayUrl, "POST", "/auth/password/forgot", { json: { email: who() }, headers: { "cf-connecting-ip": ip(n++) } });
    // One unknown address, asked about as often as the known one: the per-email limit's Durable
    // Object is then warm on both sides, as it is for an attacker who probes an address twice. A
    // new address per sample measured the creation of a fresh object (about 20 ms here), which
    // says whether the address was asked about before, not whether it has an account.
    const nobody = uniqueEmail("nobody");
    // Cheap requests: noise dominates, so take more samples for a stable median.
    const r = await compare("forgot", forgot(() => known), forgot(() => nobody), 41, 150);
    expect([...r.statuses]).toEqual(["202/202"]);
    expect(r.diff).toBeLessThanOrEqual(r.bound);
  });
});
