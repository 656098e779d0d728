/** The audit log (auth_events). */
import type { Executor } from "./tokens";
import { guardDb } from "../guard";
import { authEvents } from "../schema";

export interface AuthEventInput {
  type: string;
  userId?: number | null;
  /** The admin who acted on `userId`'s account. */
  actorId?: number | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}

export async function insertAuthEvent(db: Executor, e: AuthEventInput): Promise<void> {
  await guardDb(() =>
    db.insert(authEvents).values({
      eventType: e.type,
      userId: e.userId ?? null,
      actorId: e.actorId ?? null,
      ipAddress: e.ip ?? null,
      userAgent: e.userAgent?.slice(0, 512) ?? null,
      detail: e.detail ?? {},
    }),
  );
}
