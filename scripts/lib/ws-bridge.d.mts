export function startBridge(options: { port?: number; allowed: string[] }): Promise<{
  port: number;
  url: string;
  dropAll(): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}>;
