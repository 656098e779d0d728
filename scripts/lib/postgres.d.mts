export const PG_USER: string;
export const PG_PASSWORD: string;
export function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  persistent?: boolean;
  log?: (message: unknown) => void;
}): Promise<{ url: string; port: number; stop(): Promise<void> }>;
