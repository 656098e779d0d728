// The deployable bundle: what `wrangler deploy` would upload, its size raw and
// gzipped against Cloudflare's limits, the biggest contributors, and the
// Worker's startup CPU profile (`wrangler check startup`).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { WRANGLER_BIN, wranglerEnv } from "./processes.mjs";

const KiB = 1024;
const MiB = 1024 * 1024;
/** Cloudflare Workers limits on the compressed (gzip) upload, and on startup. */
export const LIMITS = { freeGzipBytes: 3 * MiB, paidGzipBytes: 10 * MiB, startupMs: 1000 };

function run(args, { cwd, timeoutMs = 120_000 }) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WRANGLER_BIN, ...args], { cwd, env: wranglerEnv(), timeout: timeoutMs, maxBuffer: 16 * MiB }, (err, stdout, stderr) => {
      const out = `${stdout}\n${stderr}`;
      if (err) reject(new Error(`wrangler ${args[0]} failed: ${err.message}\n${out.slice(-2000)}`));
      else resolve(out);
    });
  });
}

/** Sums bytesInOutput by package (node_modules/<pkg>) or by src/<dir>. */
function contributors(metafile) {
  const meta = JSON.parse(readFileSync(metafile, "utf8"));
  const js = Object.entries(meta.outputs).find(([file]) => file.endsWith(".js"));
  if (!js) return [];
  const byGroup = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(js[1].inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const group = pkg ? pkg[1] : input.replace(/^(src\/[^/]+(?:\/[^/]+)?)\/.*$/, "$1");
    byGroup.set(group, (byGroup.get(group) ?? 0) + bytesInOutput);
  }
  const biggestFiles = Object.entries(js[1].inputs)
    .map(([input, { bytesInOutput }]) => ({ input, kib: Number((bytesInOutput / KiB).toFixed(1)) }))
    .sort((a, b) => b.kib - a.kib)
    .slice(0, 5);
  const all = [...byGroup]
    .map(([group, bytes]) => ({ group, kib: Number((bytes / KiB).toFixed(1)) }))
    .sort((a, b) => b.kib - a.kib);
  const features = Object.entries(FEATURE_PACKAGES).map(([feature, match]) => {
    const parts = all.filter((g) => match.test(g.group));
    return { feature, kib: Number(parts.reduce((sum, g) => sum + g.kib, 0).toFixed(1)), packages: parts.map((g) => g.group) };
  });
  return { groups: all.slice(0, 10), biggestFiles, features };
}

/**
 * The libraries added for a feature (with what they pull in), so the bench
 * reports what each choice costs the bundle: the bytes that would not be in it
 * without that feature's dependency.
 */
const FEATURE_PACKAGES = {
  "schemas + OpenAPI (valibot, hono-openapi)": /^(valibot|@valibot\/|hono-openapi|@hono\/standard-validator|@standard-community\/|@standard-schema\/)/,
  "passkeys (@simplewebauthn/server)": /^(@simplewebauthn\/|@peculiar\/|@levischuck\/|@hexagon\/|reflect-metadata|asn1js|pvtsutils|pvutils|tslib)/,
  "TOTP (otpauth, uqr)": /^(otpauth|uqr)$/,
};

/**
 * `wrangler deploy --dry-run --outdir` for `configPath`: sizes of the files a
 * deploy uploads (source maps excluded: they are only uploaded when
 * upload_source_maps is set, and then do not count towards the limit).
 */
export async function measureBundle({ root, configPath, outDir }) {
  const metafile = path.join(outDir, "..", `${path.basename(outDir)}-meta.json`);
  const t0 = performance.now();
  const out = await run(["deploy", "--dry-run", "--config", configPath, "--outdir", outDir, "--metafile", metafile], { cwd: root });
  const buildMs = performance.now() - t0;
  const files = readdirSync(outDir).filter((f) => !f.endsWith(".map") && f !== "README.md");
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = readFileSync(path.join(outDir, f));
    raw += statSync(path.join(outDir, f)).size;
    gzip += gzipSync(bytes).length;
  }
  // Wrangler's own figure, for cross-checking ours.
  const m = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(out);
  return {
    files,
    rawBytes: raw,
    gzipBytes: gzip,
    rawKiB: Number((raw / KiB).toFixed(1)),
    gzipKiB: Number((gzip / KiB).toFixed(1)),
    wranglerReport: m ? { totalKiB: Number(m[1]), gzipKiB: Number(m[2]) } : undefined,
    freePlanLimitKiB: LIMITS.freeGzipBytes / KiB,
    paidPlanLimitKiB: LIMITS.paidGzipBytes / KiB,
    shareOfFreePlan: Number((gzip / LIMITS.freeGzipBytes).toFixed(3)),
    withinFreePlan: gzip <= LIMITS.freeGzipBytes,
    withinPaidPlan: gzip <= LIMITS.paidGzipBytes,
    buildMs: Math.round(buildMs),
    contributors: contributors(metafile),
  };
}

/**
 * `wrangler check startup`: runs the bundle's global scope in a local workerd
 * under the CPU profiler. Returns the profile window and active CPU time (ms).
 * Cloudflare refuses a Worker whose startup exceeds 1 s.
 */
export async function measureStartupProfile({ root, configPath, outFile }) {
  const out = await run(["check", "startup", "--config", configPath, "--outfile", outFile], { cwd: root });
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  const profile = JSON.parse(readFileSync(outFile, "utf8"));
  return {
    profileWindowMs: num(/Profile window:\s*([\d.]+)\s*ms/),
    activeMs: num(/Active:\s*([\d.]+)\s*ms/),
    idleMs: num(/Idle:\s*([\d.]+)\s*ms/),
    profileSpanMs: Number(((profile.endTime - profile.startTime) / 1000).toFixed(1)),
    limitMs: LIMITS.startupMs,
  };
}
