export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: string;
}
export function startRecordingUpstream(options?: { port?: number }): Promise<{
  port: number;
  url: string;
  recorded: RecordedRequest[];
  close(): Promise<void>;
}>;
