// Account events from code outside the Worker (`npm run admin`): written to the
// event_outbox table (migrations/0007_event_outbox.sql) in the SAME transaction
// as the change they describe, so the event exists exactly when the change
// does. The Worker's scheduled drain (src/delivery/event-outbox.ts) moves them
// onto the delivery Queue within the hour. No Node-only imports: the
// workerd tests import this file too.

/** The one statement that records an event; `$1` the type, `$2` the data as JSON text. */
export const OUTBOX_INSERT_SQL = "INSERT INTO event_outbox (type, data) VALUES ($1, $2::jsonb)";

/** The data of `user.roles_changed`, as the admin API emits it (src/admin/handlers/update.ts). */
export function rolesChangedEvent(userId, roles) {
  return { type: "user.roles_changed", data: { user_id: String(userId), roles: [...roles] } };
}

/** Records `event` on `client` (a pg client inside the caller's open transaction). */
export async function recordEvent(client, event) {
  await client.query(OUTBOX_INSERT_SQL, [event.type, JSON.stringify(event.data)]);
}
