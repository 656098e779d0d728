/**
 * What the hosted sign-in pages add to the shared layout: a few extra rules
 * (secondary buttons, links, the "or" divider), the operator's PAGES_THEME,
 * and the `#hosted` element carrying the server-checked `next`.
 */
import type { Child } from "hono/jsx";
import { Layout } from "./layout";

const HOSTED_CSS = `
.secondary { background: transparent; color: var(--accent); border: 2px solid var(--accent); }
.linklike { display: block; background: none; color: var(--accent); width: auto; padding: 0.25rem 0; font-weight: 600; text-decoration: underline; }
.or { display: flex; align-items: center; gap: 0.75rem; margin: 1rem 0; color: var(--muted); }
.or::before, .or::after { content: ""; flex: 1; border-top: 1px solid var(--muted); }
.links { margin: 1.25rem 0 0; display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; }
a { color: var(--accent); font-weight: 600; }
a:focus-visible, .linklike:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.stack > * + * { margin-top: 0.75rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
`;

export interface HostedProps {
  title: string;
  nonce: string;
  script: string;
  /** A same-origin path, already checked (safeNextPath), default "/". */
  next: string;
  /** PAGES_THEME as CSS, or "". */
  theme: string;
  children?: Child;
}

export function HostedLayout({ title, nonce, script, next, theme, children }: HostedProps) {
  return (
    <Layout title={title} nonce={nonce} script={script}>
      <style nonce={nonce} dangerouslySetInnerHTML={{ __html: HOSTED_CSS + theme }} />
      <div id="hosted" data-next={next}>
        {children}
      </div>
    </Layout>
  );
}

/** `path?next=…` for links between the pages (JSX escapes the attribute). */
export function withNext(path: string, next: string): string {
  return next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;
}
