export interface OutboxEvent {
  type: "user.roles_changed";
  data: { user_id: string; roles: string[] };
}
export const OUTBOX_INSERT_SQL: string;
export function rolesChangedEvent(userId: string | number, roles: readonly string[]): OutboxEvent;
export function recordEvent(client: { query(text: string, params: unknown[]): Promise<unknown> }, event: OutboxEvent): Promise<void>;
