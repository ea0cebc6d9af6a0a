import { z } from 'zod';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { newId } from '../domain/ids.ts';
import { ReboundError } from '../errors.ts';
import { sealSecret } from '../security/keys.ts';
import { checkWebhookTarget } from '../adapters/webhooks-out/target-guard.ts';
import { generateWebhookSecret } from '../adapters/webhooks-out/sign.ts';
import { WEBHOOK_EVENT_TYPES } from './webhook-outbox.ts';
import type { WebhookEndpointTable } from '../adapters/db/schema.ts';

/** A hotel's webhook endpoints: where its PMS wants to hear about its messages. */

const MAX_ENDPOINTS_PER_HOTEL = 10;

export const CreateEndpointSchema = z.object({
  url: z.string().max(2000),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).default([...WEBHOOK_EVENT_TYPES])
    .describe('Event types to post; default all'),
}).strict();

export const UpdateEndpointSchema = z.object({
  enabled: z.literal(true).optional().describe('Re-enable an endpoint that was disabled after failing'),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
}).strict();

export function publicEndpoint(row: WebhookEndpointTable) {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events_json) as string[],
    enabled: row.disabled_at === null,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    lastSuccessAt: row.last_success_at,
    createdAt: row.created_at,
  };
}

export async function createEndpoint(ctx: AppContext, tenantId: string, input: z.infer<typeof CreateEndpointSchema>) {
  const check = await checkWebhookTarget(input.url, { allowPrivate: ctx.config.webhookAllowPrivateTargets });
  if (!check.ok) {
    const code = check.code === 'forbidden_address' ? 'REBOUND_ERR_WEBHOOK_TARGET_FORBIDDEN' : 'REBOUND_ERR_REQUEST_INVALID';
    throw new ReboundError(code, `url: ${check.reason}`, 'url');
  }
  const count = await ctx.db.kysely.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (Number(count?.n ?? 0) >= MAX_ENDPOINTS_PER_HOTEL) {
    throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', `A hotel has at most ${MAX_ENDPOINTS_PER_HOTEL} webhook endpoints.`, 'url');
  }
  const secret = generateWebhookSecret();
  const now = iso(ctx.now());
  const row: WebhookEndpointTable = {
    id: newId('whe'), tenant_id: tenantId, url: check.url.toString(), events_json: JSON.stringify([...new Set(input.events)]),
    secret_sealed: sealSecret(ctx.keys, secret), created_at: now, updated_at: now,
    failing_since: null, last_success_at: null, disabled_at: null, disabled_reason: null,
  };
  await ctx.db.kysely.insertInto('webhook_endpoints').values(row).execute();
  return { ...publicEndpoint(row), secret };
}

async function ownEndpoint(ctx: AppContext, tenantId: string, id: string): Promise<WebhookEndpointTable> {
  // Scoped by hotel in the query: another hotel's endpoint id is simply not found.
  const row = await ctx.db.kysely.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!row) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such webhook endpoint.', 'id');
  return row;
}

export async function listEndpoints(ctx: AppContext, tenantId: string) {
  const rows = await ctx.db.kysely.selectFrom('webhook_endpoints').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
  return rows.map(publicEndpoint);
}

export async function updateEndpoint(ctx: AppContext, tenantId: string, id: string, patch: z.infer<typeof UpdateEndpointSchema>) {
  await ownEndpoint(ctx, tenantId, id);
  await ctx.db.kysely.updateTable('webhook_endpoints').set({
    ...(patch.enabled ? { disabled_at: null, disabled_reason: null, failing_since: null } : {}),
    ...(patch.events ? { events_json: JSON.stringify([...new Set(patch.events)]) } : {}),
    updated_at: iso(ctx.now()),
  }).where('id', '=', id).execute();
  if (patch.enabled) ctx.wake();
  return publicEndpoint(await ownEndpoint(ctx, tenantId, id));
}

/** Removes the endpoint, its queued deliveries and its delivery log. */
export async function deleteEndpoint(ctx: AppContext, tenantId: string, id: string): Promise<void> {
  await ownEndpoint(ctx, tenantId, id);
  await ctx.db.kysely.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
    await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
  });
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** The delivery log of one endpoint, newest first, each delivery with its attempts. */
export async function listDeliveries(ctx: AppContext, tenantId: string, endpointId: string, f: { status?: string; messageId?: string; limit: number; cursor?: string }) {
  await ownEndpoint(ctx, tenantId, endpointId);
  const k = ctx.db.kysely;
  let q = k.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.messageId) q = q.where('message_id', '=', f.messageId);
  if (f.cursor) {
    if (!/^\d{1,18}$/.test(f.cursor)) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'cursor: not a cursor from a previous page', 'cursor');
    q = q.where('seq', '<', Number(f.cursor));
  }
  const rows = await q.orderBy('seq', 'desc').limit(f.limit + 1).execute();
  const page = rows.slice(0, f.limit);
  const attempts = page.length === 0 ? [] : await k.selectFrom('webhook_attempts').selectAll()
    .where('delivery_id', 'in', page.map((d) => d.id)).orderBy('attempted_at').orderBy('id').execute();
  const last = page[page.length - 1];
  return {
    data: page.map((d) => ({
      id: d.id,
      webhookId: d.event_id,
      type: d.event_type,
      messageId: d.message_id,
      status: d.status,
      attempts: Number(d.attempts),
      nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
      lastStatusCode: d.last_status_code,
      lastError: d.last_error,
      createdAt: d.created_at,
      deliveredAt: d.delivered_at,
      payload: JSON.parse(d.payload) as unknown,
      log: attempts.filter((a) => a.delivery_id === d.id).map((a) => ({
        at: a.attempted_at, statusCode: a.status_code, error: a.error, response: a.response_body, durationMs: Number(a.duration_ms),
      })),
    })),
    nextCursor: rows.length > f.limit && last ? String(last.seq) : null,
  };
}
