// A tiny HTTP client for latency measurements: one keep-alive connection,
// timed with process.hrtime (µs precision), unlike autocannon's latency
// histogram, which records whole milliseconds.
import http from "node:http";
import { summarize } from "./stats.mjs";

/** A keep-alive agent holding one connection: sequential requests reuse it. */
export function oneConnection() {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/**
 * One request. Resolves { status, headers, text, json(), ms } where ms spans
 * from sending to the last byte of the body. Never rejects on HTTP status.
 */
export function request(url, { method = "GET", headers = {}, body, agent, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const h = { ...headers };
    if (payload !== undefined) {
      h["content-type"] ??= "application/json";
      h["content-length"] = Buffer.byteLength(payload);
    }
    const start = process.hrtime.bigint();
    const req = http.request(url, { method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode,
          headers: res.headers,
          text,
          ms,
          json: () => JSON.parse(text),
        });
      });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * `count` sequential requests on one connection after `warmup` unmeasured
 * ones. `make(i)` returns the request options (so each can differ, e.g. a
 * rotated refresh token); `check(res, i)` throws on a wrong answer.
 */
export async function sequential(url, { warmup = 0, count, make = () => ({}), check = () => {}, after = () => {} }) {
  const agent = oneConnection();
  const samples = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
      const res = await request(typeof url === "function" ? url(i) : url, { agent, ...make(i) });
      check(res, i);
      after(res, i);
      if (i >= warmup) samples.push(res.ms);
    }
  } finally {
    agent.destroy();
  }
  return { ...summarize(samples), samples };
}

/** Polls `url` until it answers `status` (default 200); resolves { at, res, attempts }. */
export async function waitForStatus(url, { status = 200, timeoutMs = 90_000, intervalMs = 50, isAlive = () => true, headers = {} } = {}) {
  const deadline = performance.now() + timeoutMs;
  let attempts = 0;
  let last = "no answer";
  while (performance.now() < deadline) {
    if (!isAlive()) throw new Error(`the server for ${url} exited while we waited for it`);
    attempts++;
    try {
      // A fresh connection each time: never a socket opened before the server was ready.
      const res = await request(url, { timeoutMs: 30_000, headers, agent: false });
      if (res.status === status) return { at: performance.now(), res, attempts };
      last = `${res.status} ${res.text.slice(0, 300)}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}
