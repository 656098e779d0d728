// Turns the results object into a plain-text report (stdout) and the same
// tables in Markdown (stored in the JSON as `markdown`, for the README).

const fmt = (x, digits = 2) => (x === undefined || x === null || Number.isNaN(x) ? "–" : Number(x).toFixed(digits));
/** 0.72 → "72%"; 99.1 → "×99" (the upstream alone is in another league). */
const ratio = (x) => (x >= 3 ? `×${x.toFixed(0)}` : `${(x * 100).toFixed(0)}%`);
const int = (x) => (x === undefined || x === null || Number.isNaN(x) ? "–" : Math.round(x).toLocaleString("en-US"));

/** A table as { head: [...], rows: [[...]] } → aligned text. */
function textTable({ head, rows }) {
  const all = [head, ...rows].map((r) => r.map((c) => String(c)));
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

function mdTable({ head, rows }) {
  const esc = (c) => String(c).replaceAll("|", "\\|");
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

export function tables(results) {
  const out = [];
  const s = results.scenarios ?? {};
  const bRps = s.B?.load?.reqPerSec;
  out.push({
    title: `Proxy throughput and latency (autocannon ${results.settings.connections} connections, ${results.settings.durationS} s after ${results.settings.warmupS} s warm-up; sequential = one keep-alive connection, ${results.settings.sequentialCount} requests)`,
    head: ["scenario", "req/s", "vs B", "load p50 ms", "load p99 ms", "load mean ms", "seq p50 ms", "seq p99 ms", "others' CPU"],
    rows: ["A", "B", "C", "D", "E", "E′"]
      .filter((k) => s[k])
      .map((k) => {
        const x = s[k];
        if (x.error) return [`${k}: ${x.label}`, "error", "", "", "", "", "", "", ""];
        return [
          `${k}: ${x.label}`,
          int(x.load?.reqPerSec) + (x.load && !x.load.ok ? "!" : ""),
          bRps && x.load ? ratio(x.load.reqPerSec / bRps) : "–",
          int(x.load?.latencyMs.p50),
          int(x.load?.latencyMs.p99),
          fmt(x.load?.latencyMs.mean),
          fmt(x.sequential?.p50, 3),
          fmt(x.sequential?.p99, 3),
          x.foreignCpuCores === undefined ? "–" : `${fmt(x.foreignCpuCores, 2)}${x.foreignCpuCores > 0.1 ? "!" : ""}`,
        ];
      }),
  });

  const a = results.auth ?? {};
  if (!a.error) {
    const row = (name, x, note = "") => [name, x ? x.n : "–", fmt(x?.p50, 1), fmt(x?.p99, 1), note];
    const pv = results.micro?.items?.["password.verify"]?.perOpUs;
    out.push({
      title: "Auth endpoints through the gateway (sequential, one connection)",
      head: ["endpoint", "n", "p50 ms", "p99 ms", "note"],
      rows: [
        row("POST /auth/login (bearer)", a.login, pv ? `password verify alone: ${fmt(pv / 1000, 1)} ms` : ""),
        row("POST /auth/refresh (rotation)", a.refresh),
        row("GET /auth/me", a.me),
      ],
    });
  }

  const d = results.distance;
  if (d?.rows) {
    out.push({
      title: `Database round trips per /auth endpoint (Postgres behind a proxy delaying ${d.oneWayDelayMs} ms each way = ${d.rttMs} ms RTT; medians of ${d.samples}; round trips = difference / RTT; counted = request→response turns the bridge saw)`,
      head: ["endpoint", "no delay ms", `${d.rttMs} ms RTT ms`, "round trips", "counted", "target", "met"],
      rows: d.rows.map((r) => [r.endpoint, fmt(r.noDelayMs, 1), fmt(r.delayedMs, 1), fmt(r.roundTrips, 1), String(r.countedTurns), `<= ${r.target}`, r.met ? "yes" : "NO"]),
    });
  }
  const cl = results.cleanup;
  if (cl?.indexed) {
    out.push({
      title: "Hourly cleanup at scale (expired refresh-token chains)",
      head: ["case", "rows", "ms", "ms per row"],
      rows: [
        ["with auth_tokens_parent_idx", String(cl.indexed.rows), fmt(cl.indexed.ms, 0), fmt(cl.msPerRowIndexed, 4)],
        ["without it (smaller table)", String(cl.unindexed.rows), fmt(cl.unindexed.ms, 0), fmt(cl.msPerRowUnindexed, 4)],
        [`without it, ${cl.indexed.rows} rows (extrapolated: per-row cost grows with the table)`, String(cl.indexed.rows), `~${cl.unindexedAt200kEstimateS} s`, ""],
      ],
    });
  }

  const m = results.micro;
  if (m?.items) {
    const rows = Object.entries(m.items).map(([name, x]) =>
      x.error ? [name, "error", x.error.slice(0, 60)] : [name, x.perOpUs >= 10_000 ? `${fmt(x.perOpUs / 1000, 1)} ms` : `${fmt(x.perOpUs, 2)} µs`, x.what],
    );
    if (m.externalCheck) rows.push(["jwt.verify, timed from Node", `${fmt(m.externalCheck.perOpUs, 2)} µs`, `cross-check: (wall(${m.externalCheck.n}) - wall(0)) / ${m.externalCheck.n}`]);
    out.push({ title: "Microbenchmarks inside workerd (median per operation)", head: ["benchmark", "per op", "what"], rows });
  }
  if (m?.bcrypt || results.bcryptInNode) {
    const node = results.bcryptInNode && !results.bcryptInNode.error ? results.bcryptInNode : {};
    const rows = [];
    for (const l of m?.bcrypt?.libraries ?? []) {
      rows.push([`${l.name} (workerd)`, l.hashMs === undefined ? "–" : fmt(l.hashMs, 0), l.verifyMs === undefined ? "–" : fmt(l.verifyMs, 0), l.prefix?.slice(0, 4) ?? "–", l.error ? `cannot run in workerd: ${l.error}` : l.crossVerify]);
    }
    for (const [name, x] of Object.entries(node)) {
      const cross = Object.entries(x.verifies).map(([maker, v]) => `${maker}'s: ${v}`).join(", ");
      rows.push([`${name} (Node ${results.machine.node})`, fmt(x.hashMs, 0), fmt(x.verifyMs, 0), x.prefix, `verifies ${cross}`]);
    }
    out.push({
      title: "bcrypt libraries, cost 12 (workerd: median of 3; Node: one hash, one verify)",
      head: ["library", "hash ms", "verify ms", "format", "cross-verification"],
      rows,
    });
  }

  const b = results.bundle;
  const st = results.startup ?? {};
  const rows = [];
  if (b && !b.error) {
    rows.push(["gateway bundle, raw", `${fmt(b.rawKiB, 1)} KiB`, ""]);
    rows.push(["gateway bundle, gzip", `${fmt(b.gzipKiB, 1)} KiB`, `${fmt(b.shareOfFreePlan * 100, 1)}% of the free plan's 3 MiB; paid: 10 MiB`]);
    const top = b.contributors?.groups?.slice(0, 4).map((g) => `${g.group} ${fmt(g.kib, 0)}`).join(", ");
    if (top) rows.push(["largest parts (raw KiB)", "", top]);
    for (const f of b.contributors?.features ?? []) {
      rows.push([`dependency: ${f.feature}`, `${fmt(f.kib, 1)} KiB raw`, `${fmt((f.kib / b.rawKiB) * 100, 1)}% of the bundle; ${f.packages.length} package(s)`]);
    }
  }
  if (results.bareBundle && !results.bareBundle.error) rows.push(["bare Hono proxy (B) bundle, gzip", `${fmt(results.bareBundle.gzipKiB, 1)} KiB`, "for scale"]);
  if (st.profile && !st.profile.error) rows.push(["startup CPU (wrangler check startup)", `${fmt(st.profile.activeMs, 1)} ms`, "limit 1000 ms"]);
  for (const [k, label] of [
    ["B", "bare proxy (B)"],
    ["C", "hono/jwt proxy (C)"],
    ["gateway", "gateway"],
  ]) {
    const x = st[k];
    if (x && !x.error) rows.push([`wrangler dev spawn → first 200, ${label}`, `${int(x.spawnToFirst200Ms)} ms`, `"Ready on" after ${int(x.spawnToReadyMs)} ms`]);
  }
  const firsts = st.gateway?.firstRequests ?? st.gatewayFirstRequests;
  for (const f of firsts ?? []) rows.push([`gateway: first ${f.request} of a fresh isolate`, `${fmt(f.firstMs, 1)} ms`, `then p50 ${fmt(f.warmP50Ms, 2)} ms`]);
  if (rows.length) out.push({ title: "Bundle and startup", head: ["measure", "value", "note"], rows });

  if (results.targets) {
    out.push({
      title: "Targets (DESIGN.md)",
      head: ["target", "measured", "met"],
      rows: results.targets.map((t) => [t.target, t.measured, t.met === undefined ? "n/a" : t.met ? "yes" : "NO"]),
    });
  }
  return out;
}

export function renderText(results) {
  return tables(results)
    .map((t) => `${t.title}\n\n${textTable(t)}`)
    .join("\n\n");
}

export function renderMarkdown(results) {
  return tables(results)
    .map((t) => `**${t.title}**\n\n${mdTable(t)}`)
    .join("\n\n");
}
