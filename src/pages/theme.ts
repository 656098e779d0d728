/**
 * PAGES_THEME: the hosted pages' colours, as `name=value` pairs separated by
 * `;` (e.g. `accent=#0b7a53;bg=#ffffff`). Names are the layout's CSS
 * variables; values are plain colours only (hex, a colour keyword, rgb()/
 * hsl()), so configuration can never inject CSS or markup.
 */
export const THEME_VARIABLES = ["accent", "bg", "fg", "card", "err", "ok", "muted"] as const;

const COLOUR_RE = /^(?:#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,24}|(?:rgb|hsl)a?\([0-9.,% /]{1,48}\))$/;

export type ThemeResult = { ok: true; css: string } | { ok: false; problem: string };

/**
 * @example
 * parseTheme("accent=#0b7a53;bg=#fff"); // { ok: true, css: ":root{--accent:#0b7a53;--bg:#fff}" }
 * parseTheme("accent=red}body{x"); // { ok: false, problem: "PAGES_THEME ..." }
 */
export function parseTheme(raw: string | undefined): ThemeResult {
  if (raw === undefined || raw.trim() === "") return { ok: true, css: "" };
  const decls: string[] = [];
  for (const part of raw.split(";").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 1 || !(THEME_VARIABLES as readonly string[]).includes(name) || !COLOUR_RE.test(value)) {
      return {
        ok: false,
        problem: `PAGES_THEME must be name=colour pairs separated by ';' (names: ${THEME_VARIABLES.join(", ")})`,
      };
    }
    decls.push(`--${name}:${value}`);
  }
  return { ok: true, css: decls.length ? `:root{${decls.join(";")}}` : "" };
}
