import type { Transaction } from 'kysely';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import type { Database, RecipientTable } from '../adapters/db/schema.ts';
import { newId } from '../domain/ids.ts';
import { summarise, type EventType, type Status } from '../domain/status.ts';
import { notificationFactsFrom } from './notify-hotel.ts';

const NOT_RENDERED = Buffer.alloc(0);
import { softBounceThresholdReached, suppressAddress } from './suppressions.ts';
import { enqueueWebhooks } from './webhook-outbox.ts';
import type { Db } from '../adapters/db/database.ts';
import { batcher, type Batcher } from '../adapters/db/batcher.ts';

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
  /** The worker's attempt: the envelope sender it used (recorded with the outcome). */
  envelopeFrom?: string | null;
  /**
   * Runs first inside the transaction; if it throws, nothing is written. The Mailgun route records
   * the webhook's signature token here, so the replay guard and the event commit together.
   */
  guard?: (trx: Trx) => Promise<void>;
  /**
   * The caller believes the recipient is its message's only one (the worker's claim says so). On
   * PostgreSQL a `sent` outcome then tries one statement that writes it all only where that still
   * holds, the lease is still this one and the hotel has no webhook endpoint — the common case in
   * one round trip; otherwise the outcome is recorded as always.
   */
  soleRecipient?: boolean;
}

type Trx = Transaction<Database>;

/**
 * Records the outcome in one transaction: the event, the recipient's new status, the message's
 * summed-up status and — on a final failure — the hotel's notification in the outbox, all or nothing.
 * `expectedLease` guards against a worker whose lease ran out writing over a newer attempt.
 */
export async function recordOutcome(ctx: AppContext, recipientId: string, outcome: Outcome, opts: RecordOptions = {}): Promise<RecordResult> {
  const db = ctx.db;
  const finish = ({ webhooksQueued, ...r }: RecordResult & { webhooksQueued: number }): RecordResult => {
    if (r.notificationQueued || webhooksQueued > 0) ctx.wake();
    // Ids, codes and the reason only: the guest's address and the remote text stay out of the log.
    if (!r.duplicate) {
      ctx.log.info({ recipient: recipientId, event: outcome.type, source: outcome.source, status: r.status, applied: r.applied, statusCode: outcome.statusCode, replyCode: outcome.replyCode, reason: outcome.reason, notificationQueued: r.notificationQueued }, 'recipient outcome');
    }
    return r;
  };
  // The worker's `sent` under its lease, with nothing else to check first: a candidate for the
  // one-statement paths (a message's only recipient, a hotel without webhook endpoints), which decline
  // in SQL when that does not hold.
  const plainSent = outcome.type === 'sent' && typeof opts.expectedLease === 'string' && opts.envelopeFrom !== undefined && !outcome.dedupeKey && !opts.guard;
  if (db.dialect === 'postgres' && plainSent && opts.soleRecipient) {
    // Written with the other workers' lanes' sends of this moment by one statement; where it declines
    // (or fails) it has written nothing for this recipient, and the general path below decides.
    const eventId = newId('evt');
    const written = await sentBatcher(db).submit({ recipientId, lease: opts.expectedLease as string, envelopeFrom: opts.envelopeFrom ?? null, outcome, eventId, at: iso(ctx.now()) }).catch(() => false);
    if (written) return finish({ applied: true, duplicate: false, status: 'sent', notificationQueued: false, eventId, suppressed: false, webhooksQueued: 0 });
  }
  return await db.write(async (trx): Promise<RecordResult & { webhooksQueued: number }> => {
    await opts.guard?.(trx);
    if (db.dialect === 'sqlite' && plainSent) {
      // SQLite, the worker's `sent` for a message's only recipient of a hotel without webhook endpoints
      // (the common case): the recipient written only where all that and the lease still hold, then its
      // event and the message's status — what the general path below writes then, without reading the
      // message's recipients first. Where it declines it has written nothing, and the general path decides.
      const now = iso(ctx.now());
      const { rows: [own] } = await db.query<{ tenant_id: string; message_id: string }>(trx, SENT_SOLE_RECIPIENT_SQL_SQLITE, [
        opts.envelopeFrom, outcome.replyCode, outcome.statusCode, outcome.reason, outcome.diagnostic, outcome.remoteMta, now, recipientId, opts.expectedLease,
      ]);
      if (own) {
        const [eventId, eventParams] = eventRow({ id: recipientId, ...own }, outcome, now);
        await db.query(trx, INSERT_EVENT_SQL, eventParams);
        await db.query(trx, UPDATE_MESSAGE_STATUS_SQL, ['sent', now, own.message_id]);
        return { applied: true, duplicate: false, status: 'sent', notificationQueued: false, eventId, suppressed: false, webhooksQueued: 0 };
      }
    }
    // The recipient with its message's other recipients, whether the hotel has any webhook endpoint,
    // and the message and hotel a notification is made from, in one statement (each saved query is a
    // round trip on PostgreSQL). Plain SQL: this runs for every outcome of every source.
    const { rows: siblings } = await db.query<SiblingRow>(trx, SIBLINGS_SQL, [recipientId]);
    const found = siblings.find((r) => r.id === recipientId);
    if (!found) throw new Error(`recipient ${recipientId} not found`);
    const { endpoints, m_subject, m_message_id_header, m_created_at, m_reference, t_name, t_notification_email, t_language, t_settings_json, ...row } = found;
    const unchanged = { applied: false, status: row.status as Status, notificationQueued: false, eventId: null, suppressed: false, webhooksQueued: 0 };
    if (opts.expectedLease !== undefined && row.lease_until !== opts.expectedLease) return { ...unchanged, duplicate: false };
    const nowDate = ctx.now();
    const now = iso(nowDate);
    const current = row.status as Status;
    const target = nextStatus(current, outcome.type);
    const patch: Partial<RecipientTable> = { updated_at: now };
    if (opts.expectedLease !== undefined) patch.lease_until = null;
    if (opts.envelopeFrom !== undefined) patch.envelope_from = opts.envelopeFrom;
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
    // The columns come from the fixed set above, never from input.
    const columns = Object.keys(patch) as (keyof RecipientTable)[];
    const updateRecipient = `update recipients set ${columns.map((c) => `${c} = ?`).join(', ')} where id = ?`;
    const recipientParams = [...columns.map((c) => patch[c] ?? null), row.id];
    // The only recipient: the message's status is this recipient's.
    const messageStatus = target && siblings.length === 1 ? [summarise([target]), now, row.message_id] : null;
    const [eventId, eventParams] = eventRow(row, outcome, now);

    if (db.dialect === 'postgres' && (messageStatus || !target)) {
      // One round trip: the event, and — only if it was written (its dedupe key was free) — the
      // recipient's and the message's new state (data-modifying CTEs, one snapshot).
      const text = `with e as (${INSERT_EVENT_SQL} returning id),
        r as (${updateRecipient} and exists (select 1 from e))${messageStatus ? `,
        m as (${UPDATE_MESSAGE_STATUS_SQL} and exists (select 1 from e))` : ''}
        select count(*) as written from e`;
      const written = await db.query<{ written: number | string }>(trx, text, [...eventParams, ...recipientParams, ...(messageStatus ?? [])]);
      if (Number(written.rows[0]?.written ?? 0) === 0) return { ...unchanged, duplicate: true };
    } else {
      // The event, unless its dedupe key is taken (the same report or webhook again): then nothing changes.
      const inserted = await db.query(trx, INSERT_EVENT_SQL, eventParams);
      if (inserted.changes === 0) return { ...unchanged, duplicate: true };
      await db.query(trx, updateRecipient, recipientParams);
      if (messageStatus) await db.query(trx, UPDATE_MESSAGE_STATUS_SQL, messageStatus);
      else if (target) await refreshMessageStatus(trx, row.message_id, now, db.dialect);
    }

    let notificationQueued = false;
    // The hotel's notification, stored as its facts (rendered when sent), in this transaction: it
    // exists exactly when the final failure does, and the unique recipient_id keeps it to one.
    const source = m_subject === null || t_name === null ? null : {
      subject: m_subject, message_id_header: m_message_id_header!, created_at: m_created_at!, reference: m_reference,
      name: t_name, notification_email: t_notification_email!, language: t_language!, settings_json: t_settings_json!,
    };
    const facts = target === 'bounced' ? notificationFactsFrom(source, row, outcome, now) : null;
    if (facts) {
      const inserted = await db.query(trx, INSERT_NOTIFICATION_SQL,
        [newId('ntf'), row.tenant_id, row.id, row.message_id, facts.to, now, NOT_RENDERED, JSON.stringify(facts), now]);
      notificationQueued = inserted.changes > 0;
    }

    // Suppression: a hard bounce or a complaint at once; soft bounces only by the configured rule.
    let suppressed = false;
    const suppression = (reason: string, source: 'bounce' | 'complaint' | 'soft-bounces') => suppressAddress(trx, {
      tenantId: row.tenant_id, address: row.address, reason, source, eventId, messageId: row.message_id, diagnostic: outcome.diagnostic, at: now,
    }, db);
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
  }).then(finish);
}

type SiblingRow = RecipientTable & {
  endpoints: number | string | null;
  m_subject: string | null; m_message_id_header: string | null; m_created_at: string | null; m_reference: string | null;
  t_name: string | null; t_notification_email: string | null; t_language: string | null; t_settings_json: string | null;
};

const SIBLINGS_SQL = `select r.*,
  (select count(*) from webhook_endpoints e where e.tenant_id = r.tenant_id and e.disabled_at is null) as endpoints,
  m.subject as m_subject, m.message_id_header as m_message_id_header, m.created_at as m_created_at, m.reference as m_reference,
  t.name as t_name, t.notification_email as t_notification_email, t.language as t_language, t.settings_json as t_settings_json
  from recipients r left join messages m on m.id = r.message_id left join tenants t on t.id = m.tenant_id
  where r.message_id = (select own.message_id from recipients own where own.id = ?)`;

const INSERT_NOTIFICATION_SQL = `insert into notifications
  (id, tenant_id, recipient_id, message_id, to_address, status, attempts, next_attempt_at, lease_until, raw, facts_json, last_error, created_at, sent_at)
  values (?, ?, ?, ?, ?, 'pending', 0, ?, null, ?, ?, null, ?, null) on conflict (recipient_id) do nothing`;

const INSERT_EVENT_SQL = `insert into events
  (id, tenant_id, message_id, recipient_id, type, at, source, status_code, reply_code, reason, diagnostic, remote_mta, inbound_id, details_json, dedupe_key, hard_bounce)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (dedupe_key) do nothing`;

const UPDATE_MESSAGE_STATUS_SQL = 'update messages set status = ?, updated_at = ? where id = ?';

/** SQLite: the recipient part of a sole recipient's `sent` (see recordOutcome); the same conditions as SENT_SOLE_RECIPIENTS_SQL_PG. */
const SENT_SOLE_RECIPIENT_SQL_SQLITE = `update recipients set status = 'sent', lease_until = null, envelope_from = ?, reply_code = ?,
    status_code = ?, reason = ?, diagnostic = ?, remote_mta = ?, next_attempt_at = null, updated_at = ?
  where id = ? and lease_until = ? and status in ('queued', 'deferred')
    and not exists (select 1 from recipients o where o.message_id = recipients.message_id and o.id <> recipients.id)
    and not exists (select 1 from webhook_endpoints e where e.tenant_id = recipients.tenant_id and e.disabled_at is null)
  returning tenant_id, message_id`;

/**
 * PostgreSQL, the worker's `sent` for a message's only recipient, for many recipients at once: what the
 * general path below writes in that case (recipient, event, message status; no notification,
 * suppression or webhook), as one statement, for each recipient only while its lease is the worker's,
 * its status one `sent` moves on from, it is still its message's only recipient and the hotel has no
 * webhook endpoint. It answers the recipients written. The UPDATE re-checks a row as committed when it
 * has to wait for a concurrent writer.
 */
const SENT_SOLE_RECIPIENTS_SQL_PG = `with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
    as v(id, lease, envelope_from, reply_code, status_code, reason, diagnostic, remote_mta, event_id, source, inbound_id, details_json, at)),
  r as (update recipients set status = 'sent', lease_until = null, envelope_from = v.envelope_from, reply_code = v.reply_code,
      status_code = v.status_code, reason = v.reason, diagnostic = v.diagnostic, remote_mta = v.remote_mta, next_attempt_at = null, updated_at = v.at
    from v
    where recipients.id = v.id and recipients.lease_until = v.lease and recipients.status in ('queued', 'deferred')
      and not exists (select 1 from recipients o where o.message_id = recipients.message_id and o.id <> recipients.id)
      and not exists (select 1 from webhook_endpoints e where e.tenant_id = recipients.tenant_id and e.disabled_at is null)
    returning recipients.id, recipients.tenant_id, recipients.message_id, v.event_id, v.source, v.status_code, v.reply_code, v.reason,
      v.diagnostic, v.remote_mta, v.inbound_id, v.details_json, v.at),
  e as (insert into events
      (id, tenant_id, message_id, recipient_id, type, at, source, status_code, reply_code, reason, diagnostic, remote_mta, inbound_id, details_json, dedupe_key, hard_bounce)
    select r.event_id, r.tenant_id, r.message_id, r.id, 'sent', r.at, r.source, r.status_code, r.reply_code, r.reason, r.diagnostic, r.remote_mta,
      r.inbound_id, r.details_json, null, null from r),
  m as (update messages set status = 'sent', updated_at = r.at from r where messages.id = r.message_id)
  select id from r`;

interface SoleRecipientSent { recipientId: string; lease: string; envelopeFrom: string | null; outcome: Outcome; eventId: string; at: string }

const sentBatchers = new WeakMap<Db, Batcher<SoleRecipientSent, boolean>>();
function sentBatcher(db: Db): Batcher<SoleRecipientSent, boolean> {
  let b = sentBatchers.get(db);
  if (!b) {
    b = batcher(async (items) => {
      const col = <T>(f: (s: SoleRecipientSent) => T) => items.map(f);
      const { rows } = await db.query<{ id: string }>(db.kysely, SENT_SOLE_RECIPIENTS_SQL_PG, [
        col((s) => s.recipientId), col((s) => s.lease), col((s) => s.envelopeFrom), col((s) => s.outcome.replyCode), col((s) => s.outcome.statusCode),
        col((s) => s.outcome.reason), col((s) => s.outcome.diagnostic), col((s) => s.outcome.remoteMta), col((s) => s.eventId), col((s) => s.outcome.source),
        col((s) => s.outcome.inboundId ?? null), col((s) => JSON.stringify(s.outcome.details ?? {})), col((s) => s.at),
      ]);
      const written = new Set(rows.map((r) => r.id));
      return items.map((s) => written.has(s.recipientId));
    }, { max: 64, parallel: 1 });
    sentBatchers.set(db, b);
  }
  return b;
}

/** The event's id and its INSERT_EVENT_SQL parameters. */
function eventRow(row: { id: string; tenant_id: string; message_id: string }, o: Outcome, now: string): [string, unknown[]] {
  const id = newId('evt');
  return [id, [
    id, row.tenant_id, row.message_id, row.id, o.type, now, o.source, o.statusCode, o.replyCode, o.reason, o.diagnostic, o.remoteMta,
    o.inboundId ?? null, JSON.stringify(o.details ?? {}), o.dedupeKey ?? null,
    o.type === 'bounced' && o.hardBounce !== undefined ? (o.hardBounce ? 1 : 0) : null,
  ]];
}

/**
 * The message's status from all its recipients'. On PostgreSQL the message row is locked first: two
 * outcomes for recipients of one message in concurrent transactions (two workers, or two commit
 * groups) would otherwise each read the other's recipient as it was before (READ COMMITTED) and leave
 * the message at a stale status; the second now waits for the first and reads after its commit.
 */
export async function refreshMessageStatus(trx: Trx, messageId: string, now: string, dialect: 'sqlite' | 'postgres' = 'sqlite'): Promise<void> {
  if (dialect === 'postgres') await trx.selectFrom('messages').select('id').where('id', '=', messageId).forUpdate().execute();
  const rows = await trx.selectFrom('recipients').select('status').where('message_id', '=', messageId).execute();
  await trx.updateTable('messages').set({ status: summarise(rows.map((r) => r.status as Status)), updated_at: now })
    .where('id', '=', messageId).execute();
}
