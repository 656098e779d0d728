-- Account events written by code outside the Worker (`npm run admin`) in the
-- same transaction as their change; the Worker's scheduled drain
-- (src/delivery/event-outbox.ts) moves them to the delivery Queue. Additive
-- and idempotent. `message_id` is minted with the row and travels as the
-- message's id (the Standard Webhooks `webhook-id` and the consumer's dedupe
-- key), so a drain retried after an uncertain enqueue delivers it once.

CREATE TABLE IF NOT EXISTS event_outbox (
  id BIGSERIAL PRIMARY KEY,
  message_id TEXT NOT NULL DEFAULT ('msg_' || replace(gen_random_uuid()::text, '-', '')),
  type TEXT NOT NULL,
  data JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
