// The Workers test suite's wrangler configuration: wrangler.toml itself, copied into a folder of
// its own (node_modules/.cache/gateway-tests). Wrangler reads `.dev.vars` (or, without one, `.env`
// files) from the folder of the configuration it is given; the vitest plugin offers no option to
// turn that off, so the tests point it at a folder that has neither, and a developer's own
// `.dev.vars` (REQUIRE_EMAIL_VERIFICATION=true, say) can never change what the tests see.
// `main` is rewritten to an absolute path; any other relative path in wrangler.toml is refused
// here, so a new one is noticed rather than silently resolved against the copy's folder.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

const PATH_KEYS = /^\s*(directory|migrations_dir|base_dir|cwd|watch_dir|tsconfig)\s*=\s*"(?!\/)/m;

/**
 * Writes the isolated copy of `<root>/wrangler.toml` into `outDir` and returns its path.
 *
 * @example
 * cloudflareTest({ wrangler: { configPath: isolatedWranglerConfig(root) } })
 */
export function isolatedWranglerConfig(root, outDir = path.join(root, "node_modules", ".cache", "gateway-tests")) {
  const source = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const relative = PATH_KEYS.exec(source);
  if (relative) throw new Error(`wrangler.toml: teach scripts/lib/test-wrangler-config.mjs to rewrite the relative "${relative[1]}"`);
  let rewritten = false;
  const text = source.replace(/^(\s*main\s*=\s*)"([^"]+)"/m, (_all, lead, main) => {
    rewritten = true;
    return `${lead}${JSON.stringify(path.resolve(root, main))}`;
  });
  if (!rewritten) throw new Error("wrangler.toml has no main = \"...\" line");
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, "wrangler.toml");
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `# Generated from wrangler.toml by scripts/lib/test-wrangler-config.mjs; do not edit.\n${text}`);
  renameSync(tmp, file);
  return file;
}
