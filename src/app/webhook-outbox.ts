import type { Transaction } from 'kysely';
import type { Database } from '../adapters/db/schema.ts';
import { newId } from '../domain/ids.ts';

/**
 * Filling the outbound-webhook outbox. Called inside the transaction that records the event
 * (recordOutcome, or sendMessage for `suppressed`), so an event and its webhooks exist together or
 * not at all; the dispatcher (deliver-webhooks.ts) posts them later.
 */

export const WEBHOOK_EVENT_TYPES = [
  'message.sent', 'message.delivered', 'message.deferred', 'message.bounced', 'message.complained', 'message.suppressed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const BY_EVENT: Readonly<Record<string, WebhookEventType>> = Object.freeze({
  sent: 'message.sent',
  delivered: 'message.delivered',
  deferred: 'message.deferred',
  bounced: 'message.bounced',
  complained: 'message.complained',
  suppressed: 'message.suppressed',
});

/** The webhook type for a Rebound event type, or null when the event is not posted (accepted, notified, …). */
export function webhookTypeFor(eventType: string): WebhookEventType | null {
  return BY_EVENT[eventType] ?? null;
}

export interface WebhookEventFacts {
  tenantId: string;
  messageId: string;
  recipientId: string;
  eventId: string;
  eventType: string;
  at: string;
  recipient: string;
  /** The recipient's status after the event. */
  status: string;
  statusCode: string | null;
  replyCode: string | null;
  reason: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
}

/** Queues the event for every enabled endpoint of the hotel that subscribed to its type; returns how many. */
export async function enqueueWebhooks(trx: Transaction<Database>, facts: WebhookEventFacts): Promise<number> {
  const type = webhookTypeFor(facts.eventType);
  if (!type) return 0;
  const endpoints = await trx.selectFrom('webhook_endpoints').select(['id', 'events_json'])
    .where('tenant_id', '=', facts.tenantId).where('disabled_at', 'is', null).execute();
  const subscribed = endpoints.filter((e) => (JSON.parse(e.events_json) as string[]).includes(type));
  if (subscribed.length === 0) return 0;
  const message = await trx.selectFrom('messages').select(['reference', 'metadata_json']).where('id', '=', facts.messageId).executeTakeFirst();
  // Serialised once: every attempt posts, and signs, exactly these bytes.
  const payload = JSON.stringify({
    type,
    timestamp: facts.at,
    data: {
      eventId: facts.eventId,
      messageId: facts.messageId,
      reference: message?.reference ?? null,
      metadata: message ? JSON.parse(message.metadata_json) : {},
      recipient: facts.recipient,
      status: facts.status,
      statusCode: facts.statusCode,
      replyCode: facts.replyCode,
      reason: facts.reason,
      diagnostic: facts.diagnostic,
      remoteMta: facts.remoteMta,
    },
  });
  for (const e of subscribed) {
    await trx.insertInto('webhook_deliveries').values({
      id: newId('whd'), endpoint_id: e.id, tenant_id: facts.tenantId, message_id: facts.messageId, recipient_id: facts.recipientId,
      event_id: facts.eventId, event_type: type, payload, status: 'pending', attempts: 0, next_attempt_at: facts.at,
      lease_until: null, created_at: facts.at, last_attempt_at: null, last_status_code: null, last_error: null, delivered_at: null,
    }).onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()).execute();
  }
  return subscribed.length;
}
