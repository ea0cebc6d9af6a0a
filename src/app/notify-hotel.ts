import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import type { Outcome } from './record-outcome.ts';
import { newId } from '../domain/ids.ts';
import { nextRetryDelayMs } from '../domain/backoff.ts';
import { renderNotification } from '../notifications/render.ts';
import { explainReason, type Reason } from '../bounce/index.ts';
import { REASONS } from '../bounce/types.ts';
import { holdLease, newLeaseValue, renewLease } from './lease.ts';
import { redactAddresses } from './redact.ts';

export interface PreparedNotification {
  id: string;
  to: string;
  raw: Buffer;
}

/** Renders the hotel's notification for a final failure of one recipient. */
export async function prepareNotification(ctx: AppContext, recipientId: string, outcome: Outcome): Promise<PreparedNotification | null> {
  const row = await ctx.db.kysely.selectFrom('recipients')
    .innerJoin('messages', 'messages.id', 'recipients.message_id')
    .innerJoin('tenants', 'tenants.id', 'recipients.tenant_id')
    .select([
      'recipients.address', 'messages.subject', 'messages.message_id_header', 'messages.created_at', 'messages.reference',
      'tenants.name', 'tenants.notification_email', 'tenants.language', 'tenants.settings_json',
    ])
    .where('recipients.id', '=', recipientId).executeTakeFirst();
  if (!row) return null;
  const settings = JSON.parse(row.settings_json) as { imap?: { notifyHotel?: boolean } };
  // A bounce found in the hotel's own mailbox is already in front of the hotel; notify only if it asked to.
  if (outcome.source === 'imap' && settings.imap?.notifyHotel !== true) return null;
  const language = row.language === 'en' ? 'en' : 'de';
  const reason = (REASONS as readonly string[]).includes(outcome.reason ?? '') ? (outcome.reason as Reason) : 'undefined';
  const id = newId('ntf');
  const raw = await renderNotification({
    language,
    timeZone: ctx.config.timeZone,
    hotelName: row.name,
    notificationsDomain: ctx.config.notificationsDomain,
    notificationId: id,
    to: row.notification_email,
    guestAddress: row.address,
    originalSubject: row.subject,
    originalMessageId: row.message_id_header,
    sentAt: row.created_at,
    failedAt: iso(ctx.now()),
    reference: row.reference,
    diagnostic: outcome.diagnostic,
    statusCode: outcome.statusCode,
    replyCode: outcome.replyCode,
    remoteMta: outcome.remoteMta,
    reason,
    explanation: explainReason(reason, language),
    bounce: outcome.bounceRaw ?? null,
  });
  return { id, to: row.notification_email, raw };
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
    const confirmed = await renewLease(ctx, 'notifications', n.id, n.lease_until!);
    if (!confirmed) continue;
    const held = holdLease(ctx, 'notifications', n.id, confirmed);
    let result: 'sent' | 'retry' | 'failed';
    let error: string | null = null;
    try {
      const sent = await ctx.routes.platform().send({
        envelopeFrom: '',
        envelopeTo: [n.to_address],
        raw: n.raw,
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
