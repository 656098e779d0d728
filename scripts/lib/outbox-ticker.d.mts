export const OUTBOX_CRON: string;
export function startOutboxTicker(address: string, options?: { intervalMs?: number; onFailure?: (reason: string) => void }): () => void;
