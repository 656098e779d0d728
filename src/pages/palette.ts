/**
 * The pages' colours, light and dark, as data: the stylesheet is generated
 * from them and a test computes every text/background pair's WCAG contrast
 * (>= 4.5:1, AA for normal text). `onAccent` is the text on buttons: white
 * on the dark-blue accent of the light scheme, near-black on the light-blue
 * accent of the dark scheme (white on #7aa2ff would be 2.49:1).
 */
export interface Palette {
  fg: string;
  bg: string;
  card: string;
  accent: string;
  onAccent: string;
  err: string;
  ok: string;
  muted: string;
}

export const PALETTE: { light: Palette; dark: Palette } = {
  light: {
    fg: "#111111",
    bg: "#f6f7f9",
    card: "#ffffff",
    accent: "#1d4ed8",
    onAccent: "#ffffff",
    err: "#b91c1c",
    ok: "#15803d",
    muted: "#555555",
  },
  dark: {
    fg: "#eeeeee",
    bg: "#111418",
    card: "#1c2027",
    accent: "#7aa2ff",
    onAccent: "#0b1020",
    err: "#ff8a8a",
    ok: "#6ee7a0",
    muted: "#aaaaaa",
  },
};

/** `--fg: #111; --bg: ...;` for one scheme. */
export function cssVariables(p: Palette): string {
  return [
    `--fg: ${p.fg}`,
    `--bg: ${p.bg}`,
    `--card: ${p.card}`,
    `--accent: ${p.accent}`,
    `--on-accent: ${p.onAccent}`,
    `--err: ${p.err}`,
    `--ok: ${p.ok}`,
    `--muted: ${p.muted}`,
  ].join("; ");
}
