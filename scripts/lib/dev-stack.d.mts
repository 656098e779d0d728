/** The record of a running `npm run dev` (see the contract at the top of dev-stack.mjs). */
export interface DevStackRecord {
  pid: number;
  state: "starting" | "ready";
  port: number;
  url: string;
  databaseUrl: string | null;
  postgres: { embedded: true; dataDir: string; port: number; adminUrl: string } | { embedded: false } | null;
  persistTo: string | null;
  startedAt: string;
}
export const ROOT: string;
export const DEV_DATABASE_NAME: string;
export function devDataDir(env?: Record<string, string | undefined>): string;
export function embeddedPostgresDir(dataDir?: string): string;
export function recordPath(dataDir: string): string;
export function commandLine(pid: number): string | undefined;
export function readRunningStack(dataDir?: string): DevStackRecord | undefined;
export function claimDataDir(
  dataDir: string,
  info: Partial<DevStackRecord>,
): { ok: true; update(fields: Partial<DevStackRecord>): void; release(): void } | { ok: false; running: Partial<DevStackRecord> };
export function portIsFree(port: number): Promise<boolean>;
export function whoListens(port: number): { pid: number; command: string } | undefined;
export function devStackAncestor(pid: number): { pid: number; folder: string } | undefined;
export function shownPath(p: string): string;
export function alreadyRunningMessage(dataDir: string, running: Partial<DevStackRecord>): string;
export function portTakenMessage(port: number, owner: { pid: number; command: string } | undefined): string;
export function databaseStateKey(databaseUrl: string): Promise<string>;
