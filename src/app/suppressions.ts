import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import type { Database } from '../adapters/db/schema.ts';
import type { Db } from '../adapters/db/database.ts';
import { REASONS } from '../bounce/types.ts';
import { ReboundError } from '../errors.ts';
import { decodePageCursor, encodePageCursor } from '../domain/cursor.ts';

/**
 * The per-hotel suppression list. An address is suppressed, for one hotel only, by
 *   - a hard bounce (the analyser's verdict: the address does not exist, the domain does not, …),
 *   - a complaint (the guest marked a message as spam),
 *   - REBOUND_SUPPRESS_AFTER_SOFT_BOUNCES soft bounces (mailbox full, expired, …) of distinct messages
 *     within REBOUND_SOFT_BOUNCE_WINDOW_DAYS (0 = soft bounces never suppress — the default, since a
 *     guest's full mailbox is usually a passing state and the hotel is told of each one anyway),
 *   - or by hand (POST /v1/suppressions).
 * A later message to a suppressed address is not attempted for that recipient: it is recorded as
 * `suppressed` with the reason and the event that caused the entry. DELETE reactivates it.
 */

type Trx = Transaction<Database>;

export const SUPPRESSION_SOURCES = ['bounce', 'complaint', 'soft-bounces', 'manual'] as const;
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];

export interface SuppressionRecord {
  address: string;
  reason: string;
  source: SuppressionSource;
  eventId: string | null;
  messageId: string | null;
  diagnostic: string | null;
  createdAt: string;
}

/** The form an address is kept in on the list (and looked up by). */
export const suppressionKey = (address: string) => address.trim().toLowerCase();
const normalise = suppressionKey;

function toRecord(row: Database['suppressions']): SuppressionRecord {
  return {
    address: row.address, reason: row.reason, source: row.source as SuppressionSource, eventId: row.event_id,
    messageId: row.message_id, diagnostic: row.diagnostic, createdAt: row.created_at,
  };
}

/**
 * Adds (or renews) an entry; an existing active entry is kept as it is — the first cause stays the cause.
 * Tried as an insert first (the common case: a new address, one statement); `db` runs the statements as
 * plain SQL (the outcome path), without it through kysely.
 */
export async function suppressAddress(trx: Trx, entry: { tenantId: string; address: string; reason: string; source: SuppressionSource; eventId: string | null; messageId: string | null; diagnostic: string | null; at: string }, db?: Db): Promise<boolean> {
  const address = normalise(entry.address);
  const values = {
    reason: entry.reason, source: entry.source, event_id: entry.eventId, message_id: entry.messageId,
    diagnostic: entry.diagnostic, created_at: entry.at, removed_at: null,
  };
  if (db) {
    const ins = await db.query(trx, 'insert into suppressions (tenant_id, address, reason, source, event_id, message_id, diagnostic, created_at, removed_at) values (?, ?, ?, ?, ?, ?, ?, ?, null) on conflict (tenant_id, address) do nothing',
      [entry.tenantId, address, values.reason, values.source, values.event_id, values.message_id, values.diagnostic, values.created_at]);
    if (ins.changes > 0) return true;
    // There is an entry: renewed only if it was removed (reactivated) before.
    const upd = await db.query(trx, 'update suppressions set reason = ?, source = ?, event_id = ?, message_id = ?, diagnostic = ?, created_at = ?, removed_at = null where tenant_id = ? and address = ? and removed_at is not null',
      [values.reason, values.source, values.event_id, values.message_id, values.diagnostic, values.created_at, entry.tenantId, address]);
    return upd.changes > 0;
  }
  const r = await trx.insertInto('suppressions').values({ tenant_id: entry.tenantId, address, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'address']).doNothing()).executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) return true;
  const u = await trx.updateTable('suppressions').set(values).where('tenant_id', '=', entry.tenantId).where('address', '=', address)
    .where('removed_at', 'is not', null).executeTakeFirst();
  return Number(u.numUpdatedRows ?? 0) > 0;
}

/** Active entries among `addresses` for one hotel, keyed by lower-cased address. */
export async function activeSuppressions(trx: Trx, tenantId: string, addresses: string[], db?: Db): Promise<Map<string, SuppressionRecord>> {
  if (addresses.length === 0) return new Map();
  const lowered = addresses.map(normalise);
  const rows = db
    // Plain SQL for the API's hot path (one text per list length, prepared once).
    ? (await db.query<Database['suppressions']>(trx, `select * from suppressions where tenant_id = ? and address in (${lowered.map(() => '?').join(', ')}) and removed_at is null`, [tenantId, ...lowered])).rows
    : await trx.selectFrom('suppressions').selectAll()
      .where('tenant_id', '=', tenantId).where('address', 'in', lowered).where('removed_at', 'is', null).execute();
  return new Map(rows.map((r) => [r.address, toRecord(r)]));
}

/**
 * The repeated-soft-bounce rule: counts final soft bounces of distinct messages to this address for
 * this hotel inside the window (and since the address was last reactivated), this one included.
 */
export async function softBounceThresholdReached(ctx: AppContext, trx: Trx, tenantId: string, address: string, now: Date): Promise<boolean> {
  const threshold = ctx.config.suppressAfterSoftBounces;
  if (threshold <= 0) return false;
  const lower = normalise(address);
  const previous = await trx.selectFrom('suppressions').select('removed_at').where('tenant_id', '=', tenantId).where('address', '=', lower).executeTakeFirst();
  let since = iso(new Date(now.getTime() - ctx.config.softBounceWindowDays * 24 * 3600 * 1000));
  if (previous?.removed_at && previous.removed_at > since) since = previous.removed_at;
  const row = await trx.selectFrom('events')
    .innerJoin('recipients', 'recipients.id', 'events.recipient_id')
    .select((eb) => eb.fn.count<number>('recipients.message_id').distinct().as('n'))
    .where('events.tenant_id', '=', tenantId)
    .where('events.type', '=', 'bounced')
    .where('events.hard_bounce', '=', 0)
    .where('events.at', '>=', since)
    .where((eb) => eb(eb.fn('lower', ['recipients.address']), '=', lower))
    .executeTakeFirst();
  return Number(row?.n ?? 0) >= threshold;
}

export const AddSuppressionSchema = z.object({
  address: z.email().max(254),
  reason: z.enum(REASONS).default('onhold').describe('A reason from the taxonomy; default onhold'),
  note: z.string().max(500).optional().describe('Kept as the entry\'s diagnostic'),
}).strict();

export async function addManualSuppression(ctx: AppContext, tenantId: string, input: z.infer<typeof AddSuppressionSchema>): Promise<{ record: SuppressionRecord; created: boolean }> {
  const at = iso(ctx.now());
  const created = await ctx.db.kysely.transaction().execute((trx) => suppressAddress(trx, {
    tenantId, address: input.address, reason: input.reason, source: 'manual', eventId: null, messageId: null, diagnostic: input.note ?? null, at,
  }));
  const row = await ctx.db.kysely.selectFrom('suppressions').selectAll().where('tenant_id', '=', tenantId).where('address', '=', normalise(input.address)).executeTakeFirstOrThrow();
  return { record: toRecord(row), created };
}

/** Reactivates an address (e.g. after the guest fixed the mailbox); 404 when it is not suppressed. */
export async function removeSuppression(ctx: AppContext, tenantId: string, address: string): Promise<void> {
  const r = await ctx.db.kysely.updateTable('suppressions').set({ removed_at: iso(ctx.now()) })
    .where('tenant_id', '=', tenantId).where('address', '=', normalise(address)).where('removed_at', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new ReboundError('REBOUND_ERR_NOT_FOUND', `${address} is not on this hotel's suppression list.`, 'address');
}

export interface SuppressionFilter {
  address?: string;
  reason?: string;
  source?: SuppressionSource;
  limit: number;
  cursor?: string;
}

/** Active entries, newest first; the cursor is the (created_at, address) of the last row seen. */
export async function listSuppressions(ctx: AppContext, tenantId: string, f: SuppressionFilter) {
  let q = ctx.db.kysely.selectFrom('suppressions').selectAll().where('tenant_id', '=', tenantId).where('removed_at', 'is', null);
  if (f.address) q = q.where('address', '=', normalise(f.address));
  if (f.reason) q = q.where('reason', '=', f.reason);
  if (f.source) q = q.where('source', '=', f.source);
  if (f.cursor) {
    const { at, key: address } = decodePageCursor(f.cursor);
    q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('address', '<', address)])]));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('address', 'desc').limit(f.limit + 1).execute();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toRecord),
    nextCursor: rows.length > f.limit && last ? encodePageCursor(last.created_at, last.address) : null,
  };
}
