/** The scheduled cleanup (Cron Trigger): filled in by the recovery work. */
export async function runCleanup(_env: Env, _scheduledTime: number): Promise<void> {}
