// The end-to-end project's host-side set-up: one embedded PostgreSQL (or the
// server DATABASE_URL names) shared by the e2e files, each of which makes its
// own database on it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../scripts/lib/postgres.mjs";
import { freePort } from "../../scripts/lib/ports.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    e2eAdminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  let dir: string | undefined;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(tmpdir(), "gateway-e2e-pg-"));
    const pg = await startEmbeddedPostgres({ dir: path.join(dir, "data"), port: await freePort(), persistent: false });
    adminUrl = pg.url;
    stop = () => pg.stop();
  }
  project.provide("e2eAdminDatabaseUrl", adminUrl);
  return async () => {
    await stop().catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}
