// The Workers suite never reads the working folder's .dev.vars: it is given a copy of
// wrangler.toml in a folder with neither .dev.vars nor .env. Checked with wrangler's own
// resolution (the function the vitest plugin calls), on a scratch project whose .dev.vars
// sets REQUIRE_EMAIL_VERIFICATION=true: the plain config picks it up (so the check can fail),
// the isolated one does not, and keeps every binding and the entry point.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { afterAll, describe, expect, it } from "vitest";
import { isolatedWranglerConfig } from "../../scripts/lib/test-wrangler-config.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const scratch = mkdtempSync(path.join(tmpdir(), "gateway-isolation-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function bindingsOf(configPath: string): Record<string, unknown> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  return (workerOptions.bindings ?? {}) as Record<string, unknown>;
}

describe("the Workers suite's wrangler configuration", () => {
  it("ignores a .dev.vars next to wrangler.toml, keeps bindings and entry point", () => {
    const project = path.join(scratch, "project");
    mkdirSync(project);
    copyFileSync(path.join(ROOT, "wrangler.toml"), path.join(project, "wrangler.toml"));
    writeFileSync(path.join(project, ".dev.vars"), "REQUIRE_EMAIL_VERIFICATION=true\nJWT_SECRET=from-dev-vars\n");
    writeFileSync(path.join(project, ".env"), "AUTH_MODE=optional\n");

    expect(bindingsOf(path.join(project, "wrangler.toml"))).toMatchObject({ REQUIRE_EMAIL_VERIFICATION: "true" });

    const isolated = isolatedWranglerConfig(project, path.join(scratch, "out"));
    const bindings = bindingsOf(isolated);
    expect(bindings).not.toHaveProperty("REQUIRE_EMAIL_VERIFICATION");
    expect(bindings).not.toHaveProperty("JWT_SECRET");
    expect(bindings).not.toHaveProperty("AUTH_MODE");
    expect(bindings).toMatchObject({ ENVIRONMENT: "production" });

    const plain = unstable_getMiniflareWorkerOptions(path.join(project, "wrangler.toml"));
    const copy = unstable_getMiniflareWorkerOptions(isolated);
    expect(copy.main).toBe(path.join(project, "src", "index.ts"));
    expect(copy.workerOptions.kvNamespaces).toEqual(plain.workerOptions.kvNamespaces);
    expect(copy.workerOptions.durableObjects).toEqual(plain.workerOptions.durableObjects);
  });

  it("is what vitest.config.ts gives the Workers project, in a folder without .dev.vars or .env", () => {
    const generated = isolatedWranglerConfig(ROOT);
    expect(path.dirname(generated)).not.toBe(ROOT);
    expect(existsSync(path.join(path.dirname(generated), ".dev.vars"))).toBe(false);
    expect(existsSync(path.join(path.dirname(generated), ".env"))).toBe(false);
    const text = readFileSync(path.join(ROOT, "vitest.config.ts"), "utf8");
    expect(text).toContain("configPath: isolatedWranglerConfig(ROOT)");
    expect(text).not.toMatch(/configPath:\s*"\.\/wrangler\.toml"/);
  });
});
