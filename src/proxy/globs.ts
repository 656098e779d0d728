/**
 * `PUBLIC_PATHS` globs: `*` matches within one path segment, `**` matches any
 * number of segments (including none). Matching runs on the normalised path.
 *
 * @example
 * const isPublic = compileGlobs(["/health", "/webhooks/twilio/**"]);
 * isPublic("/webhooks/twilio/sms"); // true
 */
export type PathMatcher = (path: string) => boolean;

function globToRegExp(glob: string): RegExp {
  if (!glob.startsWith("/")) throw new Error("glob must start with /");
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === "*") {
      if (glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else {
      re += ch.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

/** Compiles one glob (throws when it does not start with `/`). */
export function compileGlob(glob: string): PathMatcher {
  const re = globToRegExp(glob);
  return (path) => re.test(path);
}

/** Compiles the globs once; the returned matcher is cheap on the request path. */
export function compileGlobs(globs: readonly string[]): PathMatcher {
  const patterns = globs.map(globToRegExp);
  if (patterns.length === 0) return () => false;
  return (path) => patterns.some((p) => p.test(path));
}
