export const DEV_DATABASE: string;
export function openDevDatabase(options: {
  root: string;
  env?: Record<string, string | undefined>;
  log?: (message: string) => void;
}): Promise<{ url: string; source: string; close(): Promise<void> }>;
