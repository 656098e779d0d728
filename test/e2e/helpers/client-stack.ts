// The browser client's end-to-end setup: the client built into a test page,
// served under /public/ by a front server behind the gateway (`npm run dev`
// with FastAPI), and a headless Chromium context whose requests come from one
// client IP. `close` stops whatever was started; a failed start stops it too.
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { clientTestFiles } from "./client-build";
import { startFrontServer, type FrontServer } from "./front-server";
import { startStack, type Stack } from "./stack";

const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"];

export interface ClientStackOptions {
  /** Admin URL of the Postgres server (inject("e2eAdminDatabaseUrl")). */
  adminDatabaseUrl: string;
  /** Short label, used in the database name. */
  name: string;
  /** The test page's module body, run after `import * as authLib` (e.g. "window.auth = authLib.createAuthClient();"). */
  script: string;
  /** CF-Connecting-IP of every request of the browser context. */
  ip: string;
  /** PUBLIC_URL's host (WebAuthn needs a name such as `localhost`); the page is loaded from it. */
  publicHost?: string;
  /** Gateway configuration on top of PUBLIC_PATHS=/health,/public/**. */
  env?: Record<string, string>;
}

export interface ClientStack {
  stack: Stack;
  context: BrowserContext;
  /** Where the page is loaded from: the gateway, on `publicHost` when given. */
  site: string;
  /** A new tab of the context at the test page, once the client has loaded; `prepare` runs on the blank tab first. */
  openPage(prepare?: (page: Page) => Promise<void>): Promise<Page>;
  /** Closes the browser, stops the stack (throws if it did not stop cleanly), the front server and the build. */
  close(): Promise<void>;
}

/**
 * @example
 * const client = await startClientStack({ adminDatabaseUrl: inject("e2eAdminDatabaseUrl"), name: "clientmfa", script: "window.auth = authLib.createAuthClient();", ip: "10.1.2.3" });
 * const page = await client.openPage();
 */
export async function startClientStack(options: ClientStackOptions): Promise<ClientStack> {
  const built = clientTestFiles(options.script);
  let stack: Stack | undefined;
  let front: FrontServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => {});
    try {
      await stack?.stop();
    } finally {
      await front?.close();
      built.cleanup();
    }
  };
  try {
    stack = await startStack({
      adminDatabaseUrl: options.adminDatabaseUrl,
      name: options.name,
      publicHost: options.publicHost,
      upstreamUrl: async (fastapiUrl) => {
        front = await startFrontServer(fastapiUrl, built.files);
        return front.url;
      },
      env: { PUBLIC_PATHS: "/health,/public/**", ...options.env },
    });
    const site = options.publicHost ? `http://${options.publicHost}:${stack.gatewayPort}` : stack.gatewayUrl;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const context = await browser.newContext();
    await context.setExtraHTTPHeaders({ "cf-connecting-ip": options.ip });
    return {
      stack,
      context,
      site,
      async openPage(prepare) {
        const page = await context.newPage();
        await prepare?.(page);
        await page.goto(`${site}/public/client-test.html`);
        await page.waitForFunction(() => document.title === "client ready");
        return page;
      },
      close,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
