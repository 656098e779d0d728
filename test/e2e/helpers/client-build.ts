// Builds the browser client (client/) with the project's TypeScript into ES
// modules a test page imports, served by the front server under /public/client/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { StaticFiles } from "./front-server";
import { ROOT } from "./stack";

/** A page at /public/client-test.html that imports the client and runs `script` (a module body). */
export function clientTestFiles(script: string): { files: StaticFiles; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "client-build-"));
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(ROOT, "client/tsconfig.json"), "--outDir", dir], { stdio: "pipe" });
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>client test</title></head><body>
<script type="module">
import * as authLib from "/public/client/index.js";
${script}
document.title = "client ready";
</script></body></html>`;
  const files: StaticFiles = { "/public/client-test.html": { type: "text/html; charset=utf-8", body: page } };
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".js")) continue;
    // tsc keeps extensionless relative imports; the browser needs the .js.
    const body = readFileSync(path.join(dir, name), "utf8").replace(/from "(\.\/[^"]+?)(?<!\.js)"/g, 'from "$1.js"');
    files[`/public/client/${name}`] = { type: "text/javascript; charset=utf-8", body };
  }
  return { files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
