/**
 * The pages' HTML shell: lang, viewport, no referrer, one inline style and
 * one inline script, both carrying the response's CSP nonce; no external
 * assets. `renderDocument` turns a page into the bytes to serve.
 */
import type { Child } from "hono/jsx";
import type { JSX } from "hono/jsx/jsx-runtime";
import { cssVariables, PALETTE } from "./palette";

const CSS = `
:root { color-scheme: light dark; ${cssVariables(PALETTE.light)}; }
@media (prefers-color-scheme: dark) {
  :root { ${cssVariables(PALETTE.dark)}; }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: min(26rem, 100% - 2rem); background: var(--card); padding: 1.5rem; border-radius: 12px;
  box-shadow: 0 1px 4px rgb(0 0 0 / 0.15); }
h1 { font-size: 1.4rem; margin: 0 0 0.75rem; }
p { margin: 0 0 1rem; }
.hint { color: var(--muted); font-size: 0.9rem; }
label { display: block; font-weight: 600; margin: 0 0 0.25rem; }
input { width: 100%; font: inherit; padding: 0.55rem 0.65rem; margin: 0 0 1rem; border: 1px solid var(--muted);
  border-radius: 6px; background: transparent; color: inherit; }
button { font: inherit; font-weight: 600; padding: 0.6rem 1rem; border: 0; border-radius: 6px; background: var(--accent);
  color: var(--on-accent); cursor: pointer; width: 100%; }
a { color: var(--accent); font-weight: 600; }
#next-step { margin: 0.5rem 0 0; }
button:disabled, input:disabled { opacity: 0.6; cursor: not-allowed; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
#status { margin: 1rem 0 0; min-height: 1.5em; }
#status[data-state="error"] { color: var(--err); font-weight: 600; }
#status[data-state="success"] { color: var(--ok); font-weight: 600; }
`;

/** What every page component takes. */
export interface PageProps {
  /** The per-response CSP nonce. */
  nonce: string;
}

export interface LayoutProps {
  title: string;
  /** The per-response CSP nonce for the inline style and script. */
  nonce: string;
  /** The page's inline script (static text, never holding request data). */
  script: string;
  children?: Child;
}

/** The document shell every page renders into. */
export function Layout({ title, nonce, script, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{title}</title>
        <style nonce={nonce} dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <main>
          <h1>{title}</h1>
          {children}
          <noscript>
            <p>This page needs JavaScript to finish. Turn it on and open the link again.</p>
          </noscript>
          <p id="status" role="status" aria-live="polite" aria-atomic="true"></p>
          <p id="next-step" hidden>
            <a id="next-link" href="/auth/login">
              Sign in
            </a>
          </p>
        </main>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: script }} />
      </body>
    </html>
  );
}

/** Serialises a page; pages are synchronous, so an async one is a programming error. */
export function renderDocument(page: JSX.Element): string {
  // A JSXNode's toString() is a Promise when a child is async.
  const html: unknown = page instanceof Promise ? page : page.toString();
  if (typeof html !== "string") throw new TypeError("renderDocument: pages must render synchronously");
  return `<!doctype html>${html}`;
}
