/**
 * ROLE_RULES: `<glob>=<role>|<role>;...`. The first rule whose glob matches a
 * protected path decides: the token must hold one of its roles, else 403
 * `forbidden` before anything is sent upstream. Globs are PUBLIC_PATHS's.
 *
 * @example
 * const rules = parseRoleRules("/api/admin/**=admin;/api/reports/*=admin|analyst");
 * if (!rules.ok) throw new Error(rules.problems.join("; "));
 * rules.rolesFor("/api/admin/users"); // ["admin"]
 * rules.rolesFor("/api/me");          // undefined: no rule, any valid token
 */
import { isRoleName } from "../roles";
import { compileGlob } from "./globs";

export interface RoleRules {
  /** The roles the first matching rule requires (one of them), or undefined when none matches. */
  rolesFor(path: string): readonly string[] | undefined;
  readonly size: number;
}

export type RoleRulesResult = ({ ok: true } & RoleRules) | { ok: false; problems: string[] };

export const NO_ROLE_RULES: RoleRules = { rolesFor: () => undefined, size: 0 };

/** Parses and validates every rule; each bad one is a problem naming it. */
export function parseRoleRules(raw: string | undefined): RoleRulesResult {
  const problems: string[] = [];
  const rules: Array<{ matches: (path: string) => boolean; roles: readonly string[] }> = [];
  const entries = (raw ?? "").split(";").map((s) => s.trim()).filter((s) => s !== "");
  entries.forEach((entry, i) => {
    const name = `ROLE_RULES rule ${i + 1} (${JSON.stringify(entry.slice(0, 80))})`;
    const eq = entry.indexOf("=");
    if (eq === -1) {
      problems.push(`${name} must look like <glob>=<role>|<role>`);
      return;
    }
    const glob = entry.slice(0, eq).trim();
    const roles = entry.slice(eq + 1).split("|").map((s) => s.trim());
    let matches: ((path: string) => boolean) | undefined;
    try {
      matches = compileGlob(glob);
    } catch {
      problems.push(`${name} has a bad glob: it must start with / (globs * and **)`);
    }
    const bad = roles.filter((r) => !isRoleName(r));
    if (roles.length === 0 || bad.length > 0) {
      problems.push(`${name} has a bad role: roles match ^[a-z][a-z0-9_-]{0,31}$, separated by |`);
    }
    if (matches && bad.length === 0) rules.push({ matches, roles: [...new Set(roles)] });
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    size: rules.length,
    rolesFor(path) {
      for (const rule of rules) if (rule.matches(path)) return rule.roles;
      return undefined;
    },
  };
}
