import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { newId } from '../domain/ids.ts';
import { nextRetryDelayMs } from '../domain/backoff.ts';
import { openSecret } from '../security/keys.ts';
import { webhookHeaders } from '../adapters/webhooks-out/sign.ts';
import { postSigned, type PostOutcome } from '../adapters/webhooks-out/target-guard.ts';
import { renderEndpointDisabled } from '../notifications/endpoint-disabled.ts';
import type { WebhookDeliveryTable } from '../adapters/db/schema.ts';
import type { Selectable } from 'kysely';
import { confirmLease, holdLease, newLeaseValue } from './lease.ts';

/**
 * The outbound-webhook dispatcher, run from every worker pass. It posts due deliveries from the
 * outbox, signed per Standard Webhooks, and keeps these promises:
 *   - in order per message and endpoint: a delivery is only due when no earlier one of the same
 *     message to the same endpoint is still pending, so event n+1 waits until n succeeded (or gave up);
 *   - at least once, retried with exponential backoff and full jitter (first retry within
 *     REBOUND_RETRY_BASE_SECONDS, default 30 s) until REBOUND_WEBHOOK_DISABLE_AFTER_HOURS old (≥ 24 h);
 *   - never two posts of one delivery at once: a claim takes a lease, under FOR UPDATE SKIP LOCKED on
 *     PostgreSQL, and the result is only written while the lease is still ours;
 *   - an endpoint that has failed without one success for REBOUND_WEBHOOK_DISABLE_AFTER_HOURS is
 *     disabled and the hotel gets a mail (through the notifications outbox) saying so.
 */

/** Response text kept per attempt in the delivery log. */
const LOGGED_RESPONSE_CHARS = 1000;
const CONCURRENCY = 8;

type Delivery = Selectable<WebhookDeliveryTable>;

export async function dispatchDueWebhooks(ctx: AppContext, limit = 50): Promise<number> {
  // REBOUND_LEASE_SECONDS, as for recipients and notifications: a killed worker's claims are taken over
  // after at most one lease. A delivery is renewed while its post runs, and one that waited in this
  // pass's queue for more than half of its lease is renewed (if still ours) before it is posted.
  const lease = newLeaseValue(ctx);
  const due = await claim(ctx, lease, limit);
  let next = 0;
  // Claimed deliveries belong to distinct (endpoint, message) pairs, so posting them in parallel keeps the order.
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, async () => {
    while (next < due.length) {
      const d = due[next++]!;
      try {
        await deliver(ctx, d, lease);
      } catch (e) {
        // The lease runs out and a later pass retries it: at least once, never lost.
        ctx.log.error({ delivery: d.id, err: (e as Error).message }, 'webhook delivery bookkeeping failed; will retry after the lease');
      }
    }
  }));
  return due.length;
}

async function claim(ctx: AppContext, lease: string, limit: number): Promise<Delivery[]> {
  const nowIso = iso(ctx.now());
  return await ctx.db.kysely.transaction().execute(async (trx) => {
    let q = trx.selectFrom('webhook_deliveries as d').select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', nowIso)]))
      .where('d.endpoint_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').select('webhook_endpoints.id').where('webhook_endpoints.disabled_at', 'is', null))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as p').select('p.id')
        .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
        .whereRef('p.message_id', '=', 'd.message_id')
        .whereRef('p.seq', '<', 'd.seq')
        .where('p.status', '=', 'pending'))))
      .orderBy('d.seq').limit(limit);
    if (ctx.db.dialect === 'postgres') q = q.forUpdate().skipLocked();
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await trx.updateTable('webhook_deliveries').set({ lease_until: lease }).where('id', 'in', ids).execute();
    return await trx.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).orderBy('seq').execute();
  });
}

function secretOf(ctx: AppContext, sealed: string): string {
  for (const keys of [ctx.keys, ...ctx.previousKeys]) {
    try {
      return openSecret(keys, sealed);
    } catch { /* try the next key */ }
  }
  throw new Error('the endpoint secret cannot be opened with the current or previous secret keys');
}

async function deliver(ctx: AppContext, d: Delivery, claimed: string): Promise<void> {
  const confirmed = await confirmLease(ctx, 'webhook_deliveries', d.id, claimed);
  if (confirmed === null) return; // another worker has taken it over meanwhile
  let lease = confirmed;
  const endpoint = await ctx.db.kysely.selectFrom('webhook_endpoints').selectAll().where('id', '=', d.endpoint_id).executeTakeFirst();
  if (!endpoint || endpoint.disabled_at) {
    await ctx.db.kysely.updateTable('webhook_deliveries').set({ lease_until: null }).where('id', '=', d.id).where('lease_until', '=', lease).execute();
    return;
  }
  const headers = {
    'content-type': 'application/json',
    // webhook-id is the Rebound event id: the same on every retry, the receiver's idempotency key.
    ...webhookHeaders({ id: d.event_id, timestamp: Math.floor(ctx.now().getTime() / 1000), body: d.payload }, secretOf(ctx, endpoint.secret_sealed)),
  };
  const held = holdLease(ctx, 'webhook_deliveries', d.id, lease);
  let result: PostOutcome;
  try {
    result = await postSigned(endpoint.url, headers, d.payload, { allowPrivate: ctx.config.webhookAllowPrivateTargets });
  } finally {
    lease = await held.release();
  }
  const at = ctx.now();
  const atIso = iso(at);
  const error = result.ok ? null : result.error ? `${result.error.code}: ${result.error.message}` : `HTTP ${result.status}`;
  const attempts = Number(d.attempts) + 1;
  const maxAgeMs = ctx.config.webhookDisableAfterHours * 3600 * 1000;
  const givesUp = !result.ok && at.getTime() - Date.parse(d.created_at) >= maxAgeMs;
  let delay = 0;
  if (!result.ok && !givesUp) {
    delay = nextRetryDelayMs(attempts, { baseMs: ctx.config.retryBaseMs, maxMs: ctx.config.retryMaxMs, jitter: Math.random });
    // A receiver's Retry-After (429/503) is honoured, within the backoff's own ceiling.
    if (result.retryAfterSeconds !== null) delay = Math.min(Math.max(delay, result.retryAfterSeconds * 1000), ctx.config.retryMaxMs);
  }

  let disabled: { failingSince: string } | null = null;
  await ctx.db.kysely.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('webhook_deliveries').set({
      status: result.ok ? 'delivered' : givesUp ? 'failed' : 'pending',
      attempts,
      lease_until: null,
      last_attempt_at: atIso,
      last_status_code: result.status,
      last_error: error,
      delivered_at: result.ok ? atIso : null,
      next_attempt_at: result.ok || givesUp ? d.next_attempt_at : iso(new Date(at.getTime() + delay)),
    }).where('id', '=', d.id).where('lease_until', '=', lease).executeTakeFirst();
    // Our lease ran out and another worker owns it now: its result counts, not ours.
    if (Number(updated.numUpdatedRows) === 0) return;
    await trx.insertInto('webhook_attempts').values({
      id: newId('wha'), delivery_id: d.id, endpoint_id: endpoint.id, attempted_at: atIso, status_code: result.status, error,
      response_body: result.responseBody ? result.responseBody.slice(0, LOGGED_RESPONSE_CHARS) : null, duration_ms: result.durationMs,
    }).execute();
    if (result.ok) {
      await trx.updateTable('webhook_endpoints').set({ failing_since: null, last_success_at: atIso }).where('id', '=', endpoint.id).execute();
      return;
    }
    const current = await trx.selectFrom('webhook_endpoints').select(['failing_since', 'disabled_at']).where('id', '=', endpoint.id).executeTakeFirst();
    if (!current || current.disabled_at) return;
    const failingSince = current.failing_since ?? atIso;
    if (!current.failing_since) await trx.updateTable('webhook_endpoints').set({ failing_since: failingSince }).where('id', '=', endpoint.id).execute();
    if (at.getTime() - Date.parse(failingSince) >= maxAgeMs) {
      await trx.updateTable('webhook_endpoints').set({
        disabled_at: atIso, disabled_reason: `every post failed since ${failingSince}; last: ${error}`, updated_at: atIso,
      }).where('id', '=', endpoint.id).where('disabled_at', 'is', null).execute();
      disabled = { failingSince };
    }
  });
  if (result.ok) return;
  ctx.log.warn({ delivery: d.id, endpoint: endpoint.id, attempt: attempts, error, gaveUp: givesUp }, 'webhook post failed');
  if (disabled) await tellHotelEndpointDisabled(ctx, endpoint.id, (disabled as { failingSince: string }).failingSince, error);
}

/** Queues the "endpoint disabled" mail in the notifications outbox; its unique key makes it one per disabling. */
async function tellHotelEndpointDisabled(ctx: AppContext, endpointId: string, failingSince: string, lastError: string | null): Promise<void> {
  const row = await ctx.db.kysely.selectFrom('webhook_endpoints').innerJoin('tenants', 'tenants.id', 'webhook_endpoints.tenant_id')
    .select(['webhook_endpoints.url', 'webhook_endpoints.disabled_at', 'webhook_endpoints.tenant_id', 'tenants.name', 'tenants.notification_email', 'tenants.language'])
    .where('webhook_endpoints.id', '=', endpointId).executeTakeFirst();
  if (!row?.disabled_at) return;
  ctx.log.error({ endpoint: endpointId, tenant: row.tenant_id, failingSince }, 'webhook endpoint disabled after failing; hotel notified');
  const id = newId('ntf');
  const raw = await renderEndpointDisabled({
    language: row.language === 'en' ? 'en' : 'de', hotelName: row.name, notificationsDomain: ctx.config.notificationsDomain,
    notificationId: id, to: row.notification_email, endpointId, url: row.url, failingSince, disabledAt: row.disabled_at, lastError,
  });
  const now = iso(ctx.now());
  await ctx.db.kysely.insertInto('notifications').values({
    id, tenant_id: row.tenant_id, recipient_id: `${endpointId}:disabled:${row.disabled_at}`, message_id: endpointId, to_address: row.notification_email,
    status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, raw, last_error: null, created_at: now, sent_at: null, kind: 'webhook-disabled',
  }).onConflict((oc) => oc.column('recipient_id').doNothing()).execute();
  ctx.wake();
}
