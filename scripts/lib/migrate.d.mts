export function migrate(databaseUrl: string, options?: { log?: (message: string) => void }): Promise<string[]>;
export function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void>;
export function withDatabase(url: string, name: string): string;
