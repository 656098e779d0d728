/** Reads and clears what the recording upstream (test/setup/global.ts) received. */
import { env } from "cloudflare:workers";

export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
  body: string;
}

const base = () => (env as unknown as { UPSTREAM_URL: string }).UPSTREAM_URL;

export async function recorded(): Promise<Recorded[]> {
  const res = await fetch(`${base()}/__recorded`);
  return res.json<Recorded[]>();
}

/** The requests that reached the upstream whose URL contains `marker`. */
export async function recordedFor(marker: string): Promise<Recorded[]> {
  return (await recorded()).filter((r) => r.url.includes(marker));
}
