// Checks the browser tests run on the gateway's own pages: screenshots at
// 390 and 1280 px into test-artifacts/ (not committed), labels, landmarks, a
// live region, WCAG AA contrast, focus order, and the live region's text.
import path from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "./stack";

export const ARTIFACTS = path.join(ROOT, "test-artifacts");

/** Full-page screenshots of `p` at 390 and 1280 px, as test-artifacts/pages-<name>-<width>.png. */
export async function shots(p: Page, name: string): Promise<void> {
  for (const width of [390, 1280]) {
    await p.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await p.screenshot({ path: path.join(ARTIFACTS, `pages-${name}-${width}.png`), fullPage: true });
  }
}

export interface A11yReport {
  problems: string[];
  checked: number;
}

/** Labels, landmarks, a live region and WCAG AA contrast of every visible text, in the page. */
export function a11yCheck(p: Page): Promise<A11yReport> {
  return p.evaluate(() => {
    const problems: string[] = [];
    const visible = (el: Element) => {
      const r = (el as HTMLElement).getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    };
    if (document.querySelectorAll("main").length !== 1) problems.push("one <main> landmark");
    if (!document.querySelector("h1")?.textContent?.trim()) problems.push("an <h1>");
    if (!document.documentElement.lang) problems.push("<html lang>");
    const live = document.getElementById("status");
    if (!live || live.getAttribute("aria-live") !== "polite") problems.push("an aria-live status region");
    for (const input of Array.from(document.querySelectorAll("input"))) {
      if (!input.labels || input.labels.length === 0 || !input.labels[0]?.textContent?.trim()) problems.push(`label for #${input.id}`);
    }
    for (const b of Array.from(document.querySelectorAll("button, a"))) {
      if (visible(b) && !b.textContent?.trim() && !b.getAttribute("aria-label")) problems.push(`accessible name of ${b.tagName}#${b.id}`);
    }
    const rgb = (s: string): number[] => (s.match(/[\d.]+/g) ?? []).map(Number);
    const lum = (c: number[]) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || (c[3] as number) > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    let checked = 0;
    for (const el of Array.from(document.querySelectorAll("h1, h2, p, label, button, a, input, li"))) {
      if (!visible(el) || !el.textContent?.trim() && el.tagName !== "INPUT") continue;
      const style = getComputedStyle(el);
      const fg = lum(rgb(style.color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
      checked += 1;
      if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} of ${el.tagName}#${el.id || ""} "${el.textContent?.trim().slice(0, 30)}"`);
    }
    return { problems, checked };
  });
}

/** The ids (or link texts) Tab visits, in order, from the top of the page. */
export async function tabOrder(p: Page, steps: number): Promise<string[]> {
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const seen: string[] = [];
  for (let i = 0; i < steps; i++) {
    await p.keyboard.press("Tab");
    seen.push(await p.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || ""));
  }
  return seen;
}

export async function statusText(p: Page): Promise<string> {
  return (await p.textContent("#status"))?.trim() ?? "";
}
