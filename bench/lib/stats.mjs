// Small statistics helpers: percentiles over a list of samples (ms).

/** The p-th percentile (0..100) by nearest rank on a sorted copy. */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function mean(samples) {
  return samples.length === 0 ? NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

/** { n, p50, p90, p99, mean, min, max } rounded to µs (3 decimals of ms). */
export function summarize(samples) {
  const r = (x) => Number(x.toFixed(3));
  return {
    n: samples.length,
    p50: r(percentile(samples, 50)),
    p90: r(percentile(samples, 90)),
    p99: r(percentile(samples, 99)),
    mean: r(mean(samples)),
    min: r(Math.min(...samples)),
    max: r(Math.max(...samples)),
  };
}
