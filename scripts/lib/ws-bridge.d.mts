export function startBridge(options: { port?: number; allowed: string[] }): Promise<{
  port: number;
  url: string;
  dropAll(): void;
  close(): Promise<void>;
}>;
