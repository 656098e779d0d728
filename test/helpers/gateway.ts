/**
 * A gateway under test: the real app (createApp, as src/index.ts builds it)
 * with the real KV and Durable Object bindings of workerd and its own
 * Postgres database, plus optional variable and adapter overrides.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { DepsOverrides } from "../../src/deps";
import { assertConforms } from "./conformance";
import { freshDatabase, testBindings } from "./database";

export const BASE = "https://gateway.test";

export interface TestGateway {
  env: Env;
  databaseUrl: string;
  /** Sends a request; relative URLs resolve against https://gateway.test. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  /** Waits for everything deferred with waitUntil (mail, pool shutdown). */
  settle(): Promise<void>;
}

export async function testGateway(
  vars: Record<string, string> = {},
  overrides: DepsOverrides = {},
  options: { databaseUrl?: string } = {},
): Promise<TestGateway> {
  const databaseUrl = options.databaseUrl ?? (await freshDatabase());
  const env = { ...testBindings, DATABASE_URL: databaseUrl, ...vars } as Env;
  const app = createApp({ overrides });
  const pending: ExecutionContext[] = [];
  return {
    env,
    databaseUrl,
    async fetch(input, init) {
      const ctx = createExecutionContext();
      pending.push(ctx);
      const request = new Request(new URL(input, BASE), init);
      const response = await app.fetch(request, env, ctx);
      await assertConforms(request, response);
      return response;
    },
    async settle() {
      const all = pending.splice(0);
      await Promise.all(all.map((ctx) => waitOnExecutionContext(ctx)));
    },
  };
}
