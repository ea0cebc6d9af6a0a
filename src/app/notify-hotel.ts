import type { Transaction } from 'kysely';
import type { AppContext } from './context.ts';
import type { Database } from '../adapters/db/schema.ts';
import { iso } from './context.ts';
import type { Outcome } from './record-outcome.ts';
import { newId } from '../domain/ids.ts';
import { nextRetryDelayMs } from '../domain/backoff.ts';
import { renderNotification, type NotificationFacts } from '../notifications/render.ts';
import { explainReason, type Reason } from '../bounce/index.ts';
import { REASONS } from '../bounce/types.ts';
import { confirmLease, holdLease, newLeaseValue } from './lease.ts';
import { redactAddresses } from './redact.ts';

/**
 * What a bounce notification is rendered from, stored with the outbox row (`facts_json`) in the
 * outcome's transaction. Rendering (MIME, HTML, the attached bounce) happens when the notification is
 * sent: it was a third of the time it took to take in a bounce, and the outbox row is just as durable.
 */
export type StoredNotificationFacts = Omit<NotificationFacts, 'timeZone' | 'notificationsDomain' | 'notificationId' | 'explanation' | 'bounce' | 'reason'> & {
  reason: Reason;
  /** The bounce as received is attached from inbound_messages (by this id) at send time. */
  inboundId: string | null;
};

/** The message and hotel columns a notification is made from. */
export interface NotificationSource {
  subject: string;
  message_id_header: string;
  created_at: string;
  reference: string | null;
  name: string;
  notification_email: string;
  language: string;
  settings_json: string;
}

/** The facts of the hotel's notification for a final failure of one recipient; null when none is due. */
export async function notificationFacts(
  trx: Transaction<Database>, recipient: { message_id: string; tenant_id: string; address: string }, outcome: Outcome, failedAt: string,
): Promise<StoredNotificationFacts | null> {
  const row = await trx.selectFrom('messages')
    .innerJoin('tenants', 'tenants.id', 'messages.tenant_id')
    .select([
      'messages.subject', 'messages.message_id_header', 'messages.created_at', 'messages.reference',
      'tenants.name', 'tenants.notification_email', 'tenants.language', 'tenants.settings_json',
    ])
    .where('messages.id', '=', recipient.message_id).executeTakeFirst();
  return notificationFactsFrom(row ?? null, recipient, outcome, failedAt);
}

/** As `notificationFacts`, from the message and hotel row already read (null: there is none). */
export function notificationFactsFrom(
  row: NotificationSource | null, recipient: { address: string }, outcome: Outcome, failedAt: string,
): StoredNotificationFacts | null {
  if (!row) return null;
  const settings = JSON.parse(row.settings_json) as { imap?: { notifyHotel?: boolean } };
  // A bounce found in the hotel's own mailbox is already in front of the hotel; notify only if it asked to.
  if (outcome.source === 'imap' && settings.imap?.notifyHotel !== true) return null;
  const reason = (REASONS as readonly string[]).includes(outcome.reason ?? '') ? (outcome.reason as Reason) : 'undefined';
  return {
    language: row.language === 'en' ? 'en' : 'de',
    hotelName: row.name,
    to: row.notification_email,
    guestAddress: recipient.address,
    originalSubject: row.subject,
    originalMessageId: row.message_id_header,
    sentAt: row.created_at,
    failedAt,
    reference: row.reference,
    diagnostic: outcome.diagnostic,
    statusCode: outcome.statusCode,
    replyCode: outcome.replyCode,
    remoteMta: outcome.remoteMta,
    reason,
    inboundId: outcome.inboundId ?? null,
  };
}

/** Renders a notification stored as facts, with the bounce attached (if it is still kept). */
export async function renderStoredNotification(ctx: AppContext, id: string, factsJson: string): Promise<Buffer> {
  const f = JSON.parse(factsJson) as StoredNotificationFacts;
  let bounce: Buffer | null = null;
  if (f.inboundId) {
    const inbound = await ctx.db.kysely.selectFrom('inbound_messages').select('raw').where('id', '=', f.inboundId).executeTakeFirst();
    // Removed by retention or erasure before the notification went out: sent without the attachment.
    bounce = inbound && inbound.raw.length > 0 ? Buffer.from(inbound.raw) : null;
  }
  return await renderNotification({
    language: f.language,
    timeZone: ctx.config.timeZone,
    hotelName: f.hotelName,
    notificationsDomain: ctx.config.notificationsDomain,
    notificationId: id,
    to: f.to,
    guestAddress: f.guestAddress,
    originalSubject: f.originalSubject,
    originalMessageId: f.originalMessageId,
    sentAt: f.sentAt,
    failedAt: f.failedAt,
    reference: f.reference,
    diagnostic: f.diagnostic,
    statusCode: f.statusCode,
    replyCode: f.replyCode,
    remoteMta: f.remoteMta,
    reason: f.reason,
    explanation: explainReason(f.reason, f.language),
    bounce,
  });
}

/** Notifications are retried for this long before they are marked failed (and shown as such). */
const NOTIFICATION_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** Claims due notifications and sends them through the platform route, with a null return path (RFC 3464 §2, no loops). */
export async function sendDueNotifications(ctx: AppContext, limit = 20): Promise<number> {
  const now = ctx.now();
  const due = await claim(ctx, now, newLeaseValue(ctx), limit);
  for (const n of due) {
    // The batch is sent one by one: confirm the lease is still ours right before each send (a long
    // batch may outlast it), and keep renewing it while the send runs. Never two senders at once.
    const confirmed = await confirmLease(ctx, 'notifications', n.id, n.lease_until!);
    if (!confirmed) continue;
    const held = holdLease(ctx, 'notifications', n.id, confirmed);
    let result: 'sent' | 'retry' | 'failed';
    let error: string | null = null;
    try {
      const raw = n.raw.length === 0 && n.facts_json ? await renderStoredNotification(ctx, n.id, n.facts_json) : n.raw;
      const sent = await ctx.routes.platform().send({
        envelopeFrom: '',
        envelopeTo: [n.to_address],
        raw,
        messageId: `<${n.id}@${ctx.config.notificationsDomain}>`,
        reference: n.id,
      });
      const r = sent.recipients[0]!;
      result = r.result === 'accepted' ? 'sent' : r.result === 'failed' ? 'failed' : 'retry';
      error = r.result === 'accepted' ? null : r.response;
    } catch (e) {
      result = 'retry';
      error = (e as Error).message;
    }
    const lease = await held.release();
    ctx.metrics?.notifications.inc({ result });
    const at = ctx.now();
    if (result === 'retry' && at.getTime() - Date.parse(n.created_at) > NOTIFICATION_MAX_AGE_MS) result = 'failed';
    if (result === 'failed') ctx.log.error({ notification: n.id, tenant: n.tenant_id, error: redactAddresses(error ?? '') }, 'hotel notification could not be delivered');
    const attempts = n.attempts + 1;
    await ctx.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('notifications').set({
        status: result === 'retry' ? 'pending' : result,
        attempts,
        lease_until: null,
        last_error: error,
        sent_at: result === 'sent' ? iso(at) : null,
        next_attempt_at: result === 'retry'
          ? iso(new Date(at.getTime() + nextRetryDelayMs(attempts, { baseMs: ctx.config.retryBaseMs, maxMs: ctx.config.retryMaxMs, jitter: Math.random })))
          : n.next_attempt_at,
      }).where('id', '=', n.id).where('lease_until', '=', lease).execute();
      // Only a notification about a guest message belongs in that message's timeline.
      if (result === 'sent' && n.kind === 'bounce') {
        await trx.insertInto('events').values({
          id: newId('evt'), tenant_id: n.tenant_id, message_id: n.message_id, recipient_id: n.recipient_id, type: 'notified',
          at: iso(at), source: 'worker', status_code: null, reply_code: null, reason: null, diagnostic: null, remote_mta: null,
          inbound_id: null, details_json: JSON.stringify({ notificationId: n.id, to: n.to_address }), dedupe_key: `notified:${n.id}`,
        }).onConflict((oc) => oc.column('dedupe_key').doNothing()).execute();
      }
    });
  }
  return due.length;
}

async function claim(ctx: AppContext, now: Date, lease: string, limit: number) {
  const k = ctx.db.kysely;
  const nowIso = iso(now);
  return await k.transaction().execute(async (trx) => {
    let q = trx.selectFrom('notifications').select('id')
      .where('status', '=', 'pending').where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
      .orderBy('next_attempt_at').limit(limit);
    if (ctx.db.dialect === 'postgres') q = q.forUpdate().skipLocked();
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await trx.updateTable('notifications').set({ lease_until: lease }).where('id', 'in', ids).execute();
    return await trx.selectFrom('notifications').selectAll().where('id', 'in', ids).execute();
  });
}
