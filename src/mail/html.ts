/** HTML escaping for the mail templates: every interpolated value goes through it. */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const HTML_SPECIALS = /[&<>"']/g;

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(HTML_SPECIALS, (ch) => HTML_ESCAPES[ch] ?? ch);
}
