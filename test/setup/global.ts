// Starts what the workerd tests need on the host: an embedded PostgreSQL (or
// the one DATABASE_URL names), the WebSocket-to-TCP bridge the Neon driver
// speaks to, a migrated template database each test file copies, and a
// recording upstream. Everything is stopped at teardown.
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../scripts/lib/postgres.mjs";
import { startBridge } from "../../scripts/lib/ws-bridge.mjs";
import { ensureDatabase, migrate, withDatabase } from "../../scripts/lib/migrate.mjs";
import { freePort } from "../../scripts/lib/ports.mjs";
import { startRecordingUpstream } from "../../scripts/lib/recording-upstream.mjs";
import { startDeliverySink } from "./delivery-sink";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    wsProxy: string;
    upstreamUrl: string;
    faultProxy: string;
    faultControl: string;
    deliverySink: string;
  }
}

export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  let adminUrl = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  if (!adminUrl) {
    dataDir = await mkdtemp(path.join(tmpdir(), "gateway-test-pg-"));
    const pg = await startEmbeddedPostgres({ dir: path.join(dataDir, "data"), port: await freePort(), persistent: false });
    stops.push(() => pg.stop());
    adminUrl = pg.url;
  }
  const template = `gateway_template_${process.pid}`;
  await ensureDatabase(adminUrl, template);
  await migrate(withDatabase(adminUrl, template));

  const pgUrl = new URL(adminUrl);
  const bridge = await startBridge({ allowed: [`${pgUrl.hostname}:${pgUrl.port || "5432"}`] });
  stops.push(() => bridge.close());
  // A second bridge that tests can stall or cut through a control endpoint:
  // POST /pause, /resume, /drop.
  const fault = await startBridge({ allowed: [`${pgUrl.hostname}:${pgUrl.port || "5432"}`] });
  stops.push(() => fault.close());
  const control = http.createServer((req, res) => {
    const action = (req.url ?? "").slice(1);
    if (action === "pause") fault.pause();
    else if (action === "resume") fault.resume();
    else if (action === "drop") fault.dropAll();
    res.writeHead(action === "pause" || action === "resume" || action === "drop" ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  stops.push(() => new Promise<void>((resolve) => control.close(() => resolve())));
  const controlAddress = control.address();
  const controlPort = typeof controlAddress === "object" && controlAddress ? controlAddress.port : 0;
  project.provide("faultProxy", fault.url);
  project.provide("faultControl", `http://127.0.0.1:${controlPort}`);

  const upstream = await startRecordingUpstream();
  stops.push(() => upstream.close());

  const sink = await startDeliverySink();
  stops.push(() => sink.close());
  project.provide("deliverySink", sink.url);

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", template);
  project.provide("wsProxy", bridge.url);
  project.provide("upstreamUrl", upstream.url);

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
