// Throughput under load with autocannon: a short unmeasured warm-up, then
// the measured run, with the same connection count for every scenario.
import autocannon from "autocannon";

function once(opts) {
  return new Promise((resolve, reject) => {
    // No autocannon.track(): no progress bar, the report is run.mjs's.
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Runs `warmupS` seconds (discarded) then `durationS` seconds (measured)
 * against `url`. Returns req/s and latency figures; `ok` is false when any
 * response was not 2xx or any request failed, with the reason in `problem`.
 */
export async function load(url, { connections, durationS, warmupS, headers = {} }) {
  const base = { url, connections, pipelining: 1, headers, timeout: 10 };
  if (warmupS > 0) await once({ ...base, duration: warmupS });
  const r = await once({ ...base, duration: durationS });
  const ok2xx = r["2xx"] ?? 0;
  const seconds = r.duration || durationS;
  const problems = [];
  if (r.non2xx) problems.push(`${r.non2xx} non-2xx`);
  if (r.errors) problems.push(`${r.errors} errors`);
  if (r.timeouts) problems.push(`${r.timeouts} timeouts`);
  return {
    ok: problems.length === 0 && ok2xx > 0,
    problem: problems.join(", ") || undefined,
    connections,
    durationS: Number(seconds.toFixed(2)),
    requests: r.requests.total,
    ok2xx,
    reqPerSec: Number((ok2xx / seconds).toFixed(1)),
    // autocannon's latency histogram has 1 ms resolution: p50/p99 are whole ms, mean is not.
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      mean: Number(r.latency.mean.toFixed(3)),
      max: r.latency.max,
    },
  };
}
