import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { recordOutcome } from './record-outcome.ts';
import { verdictForReply } from '../bounce/index.ts';
import { getTenant, rowToTenant } from './tenants.ts';
import { nextRetryDelayMs } from '../domain/backoff.ts';
import { verpAddress } from '../security/verp.ts';
import { RouteConfigurationError, type RecipientOutcome } from '../adapters/transports/types.ts';
import { holdLease, newLeaseValue } from './lease.ts';
import { redactAddresses } from './redact.ts';
/** Misconfigured routes (wrong credentials) are retried slowly: loud in the log, no retry storm. */
const ROUTE_ERROR_RETRY_MS = 5 * 60 * 1000;
/** A provider's Retry-After is honoured up to this (a broken header must not park a message for days). */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export interface ClaimedRecipient {
  id: string;
  message_id: string;
  tenant_id: string;
  address: string;
  attempts: number;
  first_attempt_at: string | null;
  lease_until: string | null;
  /** PostgreSQL: the message, read by the claim itself when its content is small (else read before the send). */
  message?: MessageForDelivery;
  /** PostgreSQL: how many recipients the message has (1 lets the outcome try its one-statement path). */
  siblings?: number;
}

/**
 * Claims up to `limit` due recipients by setting a lease. On PostgreSQL the candidate rows are
 * locked with FOR UPDATE SKIP LOCKED, so any number of workers share the queue without overlap;
 * on SQLite the single writer serialises claims.
 */
export async function claimDueRecipients(ctx: AppContext, limit: number): Promise<ClaimedRecipient[]> {
  const nowIso = iso(ctx.now());
  // A worker owns the claimed rows until the lease (REBOUND_LEASE_SECONDS); if it dies, another
  // worker takes them after it. The value is unique to this claim, so a late write is recognised.
  const lease = newLeaseValue(ctx);
  const db = ctx.db;
  // One statement: pick the due rows (oldest first) and lease them. On PostgreSQL the picked rows are
  // locked with FOR UPDATE SKIP LOCKED, so any number of workers share the queue without overlap.
  if (db.dialect === 'postgres') {
    const claimed = await db.write(async (trx) => (await db.query<ClaimRowPg>(trx, CLAIM_WITH_MESSAGE_SQL_PG, [lease, nowIso, nowIso, nowIso, limit])).rows);
    return claimed.sort(oldestDueFirst).map(({ next_attempt_at: _, siblings, m_id, message_id_header, created_at, raw_bytes, raw, t_id, t_name, t_notification_email, t_language, t_sender_json, t_route_json, t_settings_json, t_api_key_prefix, t_created_at, t_updated_at, ...r }) => ({
      ...r,
      siblings: Number(siblings),
      // Content over the inline limit (or a message gone meanwhile) is read before the send, as on SQLite.
      message: m_id !== null && (raw_bytes === null || raw !== null) ? {
        id: m_id, message_id_header: message_id_header!, created_at: created_at!, raw,
        t_id, t_name, t_notification_email, t_language, t_sender_json, t_route_json, t_settings_json, t_api_key_prefix, t_created_at, t_updated_at,
      } : undefined,
    }));
  }
  const claimed = await db.write(async (trx) => (await db.query<ClaimedRecipient & { next_attempt_at: string }>(trx, CLAIM_SQL, [lease, nowIso, nowIso, nowIso, limit])).rows);
  return claimed.sort(oldestDueFirst).map(({ next_attempt_at: _, ...r }) => r);
}

// The statement's RETURNING order is unspecified: oldest due first, as picked.
const oldestDueFirst = (a: { next_attempt_at: string }, b: { next_attempt_at: string }) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : 0);

// The claim counts the attempt (and dates the first one) for every row it takes: a worker that dies
// mid-send has still used an attempt, so a message that kills its worker each time is not retried
// for ever — it expires after REBOUND_MAX_RETRY_AGE_SECONDS like any other.
const CLAIM_SQL = `update recipients set lease_until = ?, attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?)
  where id in (select id from recipients
    where status in ('queued', 'deferred') and next_attempt_at is not null and next_attempt_at <= ?
      and (lease_until is null or lease_until < ?)
    order by next_attempt_at limit ?)
  returning id, message_id, tenant_id, address, attempts, first_attempt_at, lease_until, next_attempt_at`;

const MESSAGE_FOR_DELIVERY_SQL = `select m.id, m.message_id_header, m.created_at, c.raw,
    t.id as t_id, t.name as t_name, t.notification_email as t_notification_email, t.language as t_language,
    t.sender_json as t_sender_json, t.route_json as t_route_json, t.settings_json as t_settings_json,
    t.api_key_prefix as t_api_key_prefix, t.created_at as t_created_at, t.updated_at as t_updated_at
  from messages m left join message_contents c on c.message_id = m.id left join tenants t on t.id = m.tenant_id
  where m.id = ?`;

/** A lease renewed only if it is still ours (the fencing token unchanged). */
const RENEW_LEASE_SQL = 'update recipients set lease_until = ? where id = ? and lease_until = ?';

const RENEW_AND_READ_SQL_PG = `with s as (${RENEW_LEASE_SQL} returning id)
  ${MESSAGE_FOR_DELIVERY_SQL.replace('select m.id,', 'select (select count(*) from s) as renewed, m.id,')}`;

/**
 * PostgreSQL: the claim and, in the same round trip, what the send needs — the message, its hotel and,
 * up to INLINE_CONTENT_BYTES, its content (a batch of 50 holds at most 12.5 MiB of content; larger
 * messages are read one at a time before their send) — and how many recipients the message has.
 */
const INLINE_CONTENT_BYTES = 256 * 1024;
const CLAIM_WITH_MESSAGE_SQL_PG = `with c as (${CLAIM_SQL.replace('limit ?)', 'limit ? for update skip locked)')})
  select c.*, (select count(*) from recipients o where o.message_id = c.message_id) as siblings,
    m.id as m_id, m.message_id_header, m.created_at, octet_length(mc.raw) as raw_bytes,
    case when octet_length(mc.raw) <= ${INLINE_CONTENT_BYTES} then mc.raw end as raw,
    t.id as t_id, t.name as t_name, t.notification_email as t_notification_email, t.language as t_language,
    t.sender_json as t_sender_json, t.route_json as t_route_json, t.settings_json as t_settings_json,
    t.api_key_prefix as t_api_key_prefix, t.created_at as t_created_at, t.updated_at as t_updated_at
  from c left join messages m on m.id = c.message_id left join message_contents mc on mc.message_id = c.message_id
    left join tenants t on t.id = m.tenant_id`;

type ClaimRowPg = Omit<ClaimedRecipient, 'message' | 'siblings'> & Omit<MessageForDelivery, 'id' | 'message_id_header' | 'created_at'> & {
  next_attempt_at: string; siblings: number | string; m_id: string | null; message_id_header: string | null; created_at: string | null; raw_bytes: number | null;
};

interface MessageForDelivery {
  id: string; message_id_header: string; created_at: string; raw: Buffer | null;
  t_id: string | null; t_name: string; t_notification_email: string; t_language: string; t_sender_json: string;
  t_route_json: string; t_settings_json: string; t_api_key_prefix: string; t_created_at: string; t_updated_at: string;
}

/** Runs a send when a sending slot is free (the worker's concurrency bounds sends, not bookkeeping). */
export type SendGate = <T>(send: () => Promise<T>) => Promise<T>;
const ungated: SendGate = (send) => send();

/** One delivery attempt for one recipient, through the tenant's route, recorded as one outcome. */
export async function deliverRecipient(ctx: AppContext, r: ClaimedRecipient, gate: SendGate = ungated): Promise<void> {
  let lease = r.lease_until;
  const now = ctx.now();
  const firstAttemptAt = r.first_attempt_at ?? iso(now);
  const envelopeFrom = verpAddress(ctx.keys.verp, r.id, ctx.config.notificationsDomain);
  let message: MessageForDelivery | undefined;
  // Is the lease still ours? Other workers only take rows whose lease has run out, so one with more
  // than half of it left cannot have been taken: send. One that waited in its batch longer than that
  // (sends stuck on a slow next hop) is renewed first, conditionally on its value — if another worker
  // took it meanwhile, that worker sends it, not this one.
  if (lease && Date.parse(lease) - now.getTime() > ctx.config.leaseMs / 2) {
    message = r.message ?? (await ctx.db.query<MessageForDelivery>(ctx.db.kysely, MESSAGE_FOR_DELIVERY_SQL, [r.message_id])).rows[0];
  } else {
    const renewed = lease ? newLeaseValue(ctx, lease) : null;
    if (ctx.db.dialect === 'postgres') {
      // One statement, one round trip, committed by itself (a group would add BEGIN and COMMIT round trips).
      const row = (await ctx.db.query<MessageForDelivery & { renewed: number | string }>(ctx.db.kysely, RENEW_AND_READ_SQL_PG, [renewed, r.id, lease, r.message_id])).rows[0];
      if (!row || Number(row.renewed) !== 1) return;
      message = row;
    } else {
      const renewal = await ctx.db.write((trx) => ctx.db.query(trx, RENEW_LEASE_SQL, [renewed, r.id, lease]));
      if (renewal.changes !== 1) return;
      message = (await ctx.db.query<MessageForDelivery>(ctx.db.kysely, MESSAGE_FOR_DELIVERY_SQL, [r.message_id])).rows[0];
    }
    lease = renewed;
  }
  const tenant = message?.t_id ? rowToTenant({
    id: message.t_id, name: message.t_name, notification_email: message.t_notification_email, language: message.t_language,
    sender_json: message.t_sender_json, route_json: message.t_route_json, settings_json: message.t_settings_json,
    api_key_prefix: message.t_api_key_prefix, created_at: message.t_created_at, updated_at: message.t_updated_at,
  }) : await getTenant(ctx, r.tenant_id);

  if (!message?.raw || !tenant) {
    // Content already erased (retention) before it could be sent: nothing to deliver, say so.
    await recordOutcome(ctx, r.id, {
      type: 'bounced', source: 'worker', statusCode: null, replyCode: null, reason: 'undefined',
      diagnostic: 'The message content was deleted before it could be delivered.', remoteMta: null,
    }, { expectedLease: lease, envelopeFrom: null });
    return;
  }

  let outcome: RecipientOutcome;
  let usedFrom = envelopeFrom;
  let remoteMta: string | null = null;
  let remoteId: string | null = null;
  /** A provider's Retry-After (Mailgun's 429/503): the next attempt not before it. */
  let retryAfterMs = 0;
  // Renewed while the send runs, so a slow next hop never lets a second worker take this recipient.
  const held = lease ? holdLease(ctx, 'recipients', r.id, lease) : null;
  try {
    const transport = ctx.routes.forTenant(tenant);
    const result = await gate(() => transport.send({
      envelopeFrom, envelopeTo: [r.address], raw: message.raw!, messageId: message.message_id_header, reference: r.message_id,
    }));
    outcome = result.recipients[0]!;
    remoteMta = result.remoteMta;
    remoteId = result.remoteId;
    // A hotel's own server may refuse the VERP sender; then the hotel's address was used (bounces go to its mailbox).
    usedFrom = (result as { envelopeFrom?: string }).envelopeFrom ?? envelopeFrom;
    retryAfterMs = Math.min(((result as { retryAfterSeconds?: number | null }).retryAfterSeconds ?? 0) * 1000, MAX_RETRY_AFTER_MS);
  } catch (e) {
    const err = e as Error;
    if (err instanceof RouteConfigurationError) {
      ctx.log.error({ tenant: tenant.id, route: tenant.route.type, detail: redactAddresses(err.detail ?? '') }, `route misconfigured: ${err.message}`);
    } else {
      // Transport errors may quote the guest's address: ids only in logs.
      ctx.log.warn({ recipient: r.id, err: redactAddresses(err.message) }, 'delivery attempt failed');
    }
    outcome = { address: r.address, result: 'deferred', replyCode: null, status: null, response: err instanceof RouteConfigurationError ? `${err.message}: ${err.detail ?? ''}`.trim() : err.message, command: null };
    if (err instanceof RouteConfigurationError) {
      if (held) lease = await held.release();
      ctx.metrics?.sends.inc({ route: tenant.route.type, result: 'deferred' });
      await deferOrExpire(ctx, r, lease, outcome, remoteMta, firstAttemptAt, ROUTE_ERROR_RETRY_MS, usedFrom);
      return;
    }
  } finally {
    if (held) lease = await held.release();
  }

  ctx.metrics?.sends.inc({ route: tenant.route.type, result: outcome.result });
  if (outcome.result === 'deferred' && !outcome.replyCode) {
    // No SMTP reply at all (refused, timed out, TLS failed): an operator's problem, not the guest's.
    ctx.log.warn({ recipient: r.id, route: tenant.route.type, remoteMta, err: redactAddresses(outcome.response ?? '') }, 'next hop not reachable; will retry');
  }
  if (outcome.result === 'accepted') {
    ctx.metrics?.deliveryLatency.observe({ route: tenant.route.type }, Math.max(0, ctx.now().getTime() - Date.parse(message.created_at)) / 1000);
  }

  if (outcome.result === 'accepted') {
    await recordOutcome(ctx, r.id, {
      type: 'sent', source: 'worker', statusCode: outcome.status, replyCode: outcome.replyCode, reason: null,
      diagnostic: outcome.response, remoteMta, details: { remoteId, route: tenant.route.type },
    }, { expectedLease: lease, envelopeFrom: usedFrom, soleRecipient: r.siblings === 1 });
  } else if (outcome.result === 'failed') {
    const c = verdictForReply({ address: r.address, replyCode: outcome.replyCode, status: outcome.status, text: outcome.response, remoteMta, command: outcome.command, action: 'failed' });
    countBounce(ctx, c.reason, 'smtp', await recordOutcome(ctx, r.id, {
      type: 'bounced', source: 'smtp', statusCode: c.status, replyCode: outcome.replyCode, reason: c.reason, hardBounce: c.hardBounce,
      diagnostic: outcome.response, remoteMta, details: { command: outcome.command, reasonFrom: c.reasonFrom, route: tenant.route.type },
    }, { expectedLease: lease, envelopeFrom: usedFrom }));
  } else {
    await deferOrExpire(ctx, r, lease, outcome, remoteMta, firstAttemptAt, null, usedFrom, retryAfterMs);
  }
}

async function deferOrExpire(ctx: AppContext, r: ClaimedRecipient, lease: string | null, outcome: RecipientOutcome, remoteMta: string | null, firstAttemptAt: string, fixedDelayMs: number | null, envelopeFrom: string, notBeforeMs = 0) {
  const now = ctx.now();
  const age = now.getTime() - Date.parse(firstAttemptAt);
  if (age >= ctx.config.maxRetryAgeSeconds * 1000) {
    // RFC 5321 §4.5.4.1: give up after the maximum queue time; the last temporary error is what the hotel sees.
    countBounce(ctx, 'expired', 'worker', await recordOutcome(ctx, r.id, {
      type: 'bounced', source: 'worker', statusCode: outcome.status ?? '4.4.7', replyCode: outcome.replyCode, reason: 'expired', hardBounce: false,
      diagnostic: outcome.response, remoteMta, details: { command: outcome.command, attempts: r.attempts, gaveUpAfterMs: age },
    }, { expectedLease: lease, envelopeFrom }));
    return;
  }
  const delay = Math.max(notBeforeMs, fixedDelayMs ?? nextRetryDelayMs(r.attempts, { baseMs: ctx.config.retryBaseMs, maxMs: ctx.config.retryMaxMs, jitter: Math.random }));
  const c = outcome.replyCode ? verdictForReply({ address: r.address, replyCode: outcome.replyCode, status: outcome.status, text: outcome.response, remoteMta, command: outcome.command, action: 'delayed' }) : null;
  await recordOutcome(ctx, r.id, {
    type: 'deferred', source: 'worker', statusCode: outcome.status, replyCode: outcome.replyCode, reason: c?.reason ?? 'networkerror',
    diagnostic: outcome.response, remoteMta, nextAttemptAt: iso(new Date(now.getTime() + delay)),
    details: { command: outcome.command, attempt: r.attempts },
  }, { expectedLease: lease, envelopeFrom });
}

function countBounce(ctx: AppContext, reason: string, source: string, result: { applied: boolean; status: string }): void {
  if (result.applied && result.status === 'bounced') ctx.metrics?.bounces.inc({ reason, source });
}
