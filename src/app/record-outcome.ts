import type { Transaction } from 'kysely';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import type { Database, RecipientTable } from '../adapters/db/schema.ts';
import { newId } from '../domain/ids.ts';
import { summarise, type EventType, type Status } from '../domain/status.ts';
import { notificationFacts } from './notify-hotel.ts';

const NOT_RENDERED = Buffer.alloc(0);
import { softBounceThresholdReached, suppressAddress } from './suppressions.ts';
import { enqueueWebhooks } from './webhook-outbox.ts';

/**
 * One outcome for one recipient, from any source (worker, bounce mail, provider webhook, IMAP).
 * Every source ends here, so statuses, events and notifications follow one set of rules.
 */
export interface Outcome {
  type: EventType;
  source: 'worker' | 'smtp' | 'bounce' | 'mailgun' | 'imap' | 'api';
  statusCode: string | null;
  replyCode: string | null;
  reason: string | null;
  hardBounce?: boolean;
  /** The remote text, verbatim. */
  diagnostic: string | null;
  remoteMta: string | null;
  inboundId?: string | null;
  /** Same key twice (a re-delivered bounce or webhook) changes nothing. */
  dedupeKey?: string | null;
  details?: Record<string, unknown>;
  /** For deferrals the worker retries itself: when. Null = someone else (the relay) retries. */
  nextAttemptAt?: string | null;
  /**
   * The bounce as received, attached to the hotel's notification: read back from inbound_messages by
   * `inboundId` when the notification is sent (kept in the notification's facts only without one).
   */
  bounceRaw?: Buffer | null;
}

/** Which status an event moves a recipient to, given where it is now; null = leave it. */
export function nextStatus(current: Status, type: EventType): Status | null {
  switch (type) {
    case 'sent': return current === 'queued' || current === 'deferred' ? 'sent' : null;
    case 'deferred': return current === 'queued' || current === 'deferred' || current === 'sent' ? 'deferred' : null;
    case 'delivered': return current === 'sent' || current === 'deferred' || current === 'queued' ? 'delivered' : null;
    // A bounce may follow an acceptance or even a delivery report (the final MTA accepted, then failed).
    case 'bounced': return current === 'bounced' || current === 'complained' || current === 'suppressed' ? null : 'bounced';
    case 'complained': return current === 'complained' ? null : 'complained';
    case 'suppressed': return current === 'queued' ? 'suppressed' : null;
    default: return null;
  }
}

export interface RecordResult {
  applied: boolean;
  duplicate: boolean;
  status: Status;
  notificationQueued: boolean;
  /** The event written, or null when nothing was (duplicate, stale lease). */
  eventId: string | null;
  /** The address was put on the hotel's suppression list by this outcome. */
  suppressed: boolean;
}

export interface RecordOptions {
  expectedLease?: string | null;
  /**
   * Runs first inside the transaction; if it throws, nothing is written. The Mailgun route records
   * the webhook's signature token here, so the replay guard and the event commit together.
   */
  guard?: (trx: Trx) => Promise<void>;
}

type Trx = Transaction<Database>;

/**
 * Records the outcome in one transaction: the event, the recipient's new status, the message's
 * summed-up status and — on a final failure — the hotel's notification in the outbox, all or nothing.
 * `expectedLease` guards against a worker whose lease ran out writing over a newer attempt.
 */
export async function recordOutcome(ctx: AppContext, recipientId: string, outcome: Outcome, opts: RecordOptions = {}): Promise<RecordResult> {
  return await ctx.db.write(async (trx): Promise<RecordResult & { webhooksQueued: number }> => {
    await opts.guard?.(trx);
    // The recipient with its message's other recipients, and whether the hotel has any webhook
    // endpoint, in one round trip (each saved query is a round trip on PostgreSQL).
    const siblings = await trx.selectFrom('recipients').selectAll('recipients')
      .select((eb) => eb.selectFrom('webhook_endpoints').select((e) => e.fn.countAll().as('n'))
        .whereRef('webhook_endpoints.tenant_id', '=', 'recipients.tenant_id').where('webhook_endpoints.disabled_at', 'is', null).as('endpoints'))
      .where('recipients.message_id', '=', (eb) => eb.selectFrom('recipients as own').select('own.message_id').where('own.id', '=', recipientId))
      .execute();
    const found = siblings.find((r) => r.id === recipientId);
    if (!found) throw new Error(`recipient ${recipientId} not found`);
    const { endpoints, ...row } = found;
    const unchanged = { applied: false, status: row.status as Status, notificationQueued: false, eventId: null, suppressed: false, webhooksQueued: 0 };
    if (opts.expectedLease !== undefined && row.lease_until !== opts.expectedLease) return { ...unchanged, duplicate: false };
    const nowDate = ctx.now();
    const now = iso(nowDate);
    if (outcome.dedupeKey) {
      const seen = await trx.selectFrom('events').select('id').where('dedupe_key', '=', outcome.dedupeKey).executeTakeFirst();
      if (seen) return { ...unchanged, duplicate: true };
    }
    const eventId = await insertEvent(trx, row, outcome, now);

    const current = row.status as Status;
    const target = nextStatus(current, outcome.type);
    const patch: Partial<RecipientTable> = { updated_at: now };
    if (opts.expectedLease !== undefined) patch.lease_until = null;
    if (target) {
      patch.status = target;
      patch.reply_code = outcome.replyCode;
      patch.status_code = outcome.statusCode;
      patch.reason = outcome.reason;
      patch.diagnostic = outcome.diagnostic;
      patch.remote_mta = outcome.remoteMta;
      patch.next_attempt_at = target === 'deferred' ? outcome.nextAttemptAt ?? null : null;
    } else if (outcome.type === 'deferred' && opts.expectedLease !== undefined) {
      patch.next_attempt_at = outcome.nextAttemptAt ?? null;
    }
    await trx.updateTable('recipients').set(patch).where('id', '=', row.id).execute();
    if (target && siblings.length === 1) {
      // The only recipient: the message's status is this recipient's.
      await trx.updateTable('messages').set({ status: summarise([target]), updated_at: now }).where('id', '=', row.message_id).execute();
    } else if (target) {
      await refreshMessageStatus(trx, row.message_id, now);
    }

    let notificationQueued = false;
    // The hotel's notification, stored as its facts (rendered when sent), in this transaction: it
    // exists exactly when the final failure does, and the unique recipient_id keeps it to one.
    const facts = target === 'bounced' ? await notificationFacts(trx, row, outcome, now) : null;
    if (facts) {
      const inserted = await trx.insertInto('notifications').values({
        id: newId('ntf'), tenant_id: row.tenant_id, recipient_id: row.id, message_id: row.message_id,
        to_address: facts.to, status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null,
        raw: NOT_RENDERED, facts_json: JSON.stringify(facts), last_error: null, created_at: now, sent_at: null,
      }).onConflict((oc) => oc.column('recipient_id').doNothing()).executeTakeFirst();
      notificationQueued = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    }

    // Suppression: a hard bounce or a complaint at once; soft bounces only by the configured rule.
    let suppressed = false;
    const suppression = (reason: string, source: 'bounce' | 'complaint' | 'soft-bounces') => suppressAddress(trx, {
      tenantId: row.tenant_id, address: row.address, reason, source, eventId, messageId: row.message_id, diagnostic: outcome.diagnostic, at: now,
    });
    if (outcome.type === 'bounced' && outcome.hardBounce === true) {
      suppressed = await suppression(outcome.reason ?? 'undefined', 'bounce');
    } else if (outcome.type === 'complained') {
      suppressed = await suppression('feedback', 'complaint');
    } else if (outcome.type === 'bounced' && outcome.hardBounce === false && await softBounceThresholdReached(ctx, trx, row.tenant_id, row.address, nowDate)) {
      suppressed = await suppression(outcome.reason ?? 'undefined', 'soft-bounces');
    }

    // Webhooks to the PMS, for changes of status only: a second report of a bounce posts nothing.
    const webhooksQueued = target && Number(endpoints ?? 0) > 0 ? await enqueueWebhooks(trx, {
      tenantId: row.tenant_id, messageId: row.message_id, recipientId: row.id, eventId, eventType: outcome.type, at: now,
      recipient: row.address, status: target, statusCode: outcome.statusCode, replyCode: outcome.replyCode, reason: outcome.reason,
      diagnostic: outcome.diagnostic, remoteMta: outcome.remoteMta,
    }) : 0;
    return { applied: Boolean(target), duplicate: false, status: (target ?? current) as Status, notificationQueued, eventId, suppressed, webhooksQueued };
  }).then(({ webhooksQueued, ...r }) => {
    if (r.notificationQueued || webhooksQueued > 0) ctx.wake();
    // Ids, codes and the reason only: the guest's address and the remote text stay out of the log.
    if (!r.duplicate) {
      ctx.log.info({ recipient: recipientId, event: outcome.type, source: outcome.source, status: r.status, applied: r.applied, statusCode: outcome.statusCode, replyCode: outcome.replyCode, reason: outcome.reason, notificationQueued: r.notificationQueued }, 'recipient outcome');
    }
    return r;
  });
}

async function insertEvent(trx: Trx, row: { id: string; tenant_id: string; message_id: string }, o: Outcome, now: string): Promise<string> {
  const id = newId('evt');
  await trx.insertInto('events').values({
    id,
    tenant_id: row.tenant_id,
    message_id: row.message_id,
    recipient_id: row.id,
    type: o.type,
    at: now,
    source: o.source,
    status_code: o.statusCode,
    reply_code: o.replyCode,
    reason: o.reason,
    diagnostic: o.diagnostic,
    remote_mta: o.remoteMta,
    inbound_id: o.inboundId ?? null,
    details_json: JSON.stringify(o.details ?? {}),
    dedupe_key: o.dedupeKey ?? null,
    hard_bounce: o.type === 'bounced' && o.hardBounce !== undefined ? (o.hardBounce ? 1 : 0) : null,
  }).execute();
  return id;
}

export async function refreshMessageStatus(trx: Trx, messageId: string, now: string): Promise<void> {
  const rows = await trx.selectFrom('recipients').select('status').where('message_id', '=', messageId).execute();
  await trx.updateTable('messages').set({ status: summarise(rows.map((r) => r.status as Status)), updated_at: now })
    .where('id', '=', messageId).execute();
}
