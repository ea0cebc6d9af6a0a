import { createHash } from 'node:crypto';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { recordOutcome, type Outcome } from './record-outcome.ts';
import { analyse, type Analysis, type RecipientVerdict } from '../bounce/index.ts';
import { newId } from '../domain/ids.ts';
import { parseVerpAddress } from '../security/verp.ts';

export interface IngestResult {
  inboundId: string | null;
  kind: Analysis['kind'];
  /** Recipient rows this report was matched to. */
  matched: { recipientId: string; messageId: string; type: string; applied: boolean; duplicate: boolean }[];
  /** Why nothing was recorded, when nothing was. */
  refused: string | null;
}

/** The VERP recipient id named by an inbound envelope address, trying the current then previous keys. */
export function recipientIdFromVerp(ctx: AppContext, address: string): string | null {
  // Checked at RCPT and again for the report (an HMAC each, per key): the last answers are kept.
  let cache = verpCache.get(ctx.keys);
  if (!cache) verpCache.set(ctx.keys, cache = new Map());
  const hit = cache.get(address);
  if (hit !== undefined) return hit;
  let found: string | null = null;
  for (const keys of [ctx.keys, ...ctx.previousKeys]) {
    const id = parseVerpAddress(keys.verp, address, ctx.config.notificationsDomain);
    if (id) { found = id; break; }
  }
  if (cache.size >= 10_000) cache.clear();
  cache.set(address, found);
  return found;
}
const verpCache = new WeakMap<object, Map<string, string | null>>();

export function isCatchAllBounceAddress(ctx: AppContext, address: string): boolean {
  return address.toLowerCase() === `bounces@${ctx.config.notificationsDomain}`;
}

/** A recipient row with its message's Message-ID header, as a report is matched against it. */
export interface KnownRecipient {
  id: string;
  address: string;
  message_id: string;
  tenant_id: string;
  message_id_header: string;
}

/** The recipient rows (with their message's Message-ID) of these ids; unknown ids are left out. */
export async function lookUpRecipients(ctx: AppContext, ids: readonly string[]): Promise<KnownRecipient[]> {
  if (ids.length === 0) return [];
  const { rows } = await ctx.db.query<KnownRecipient>(ctx.db.kysely,
    `select r.id, r.address, r.message_id, r.tenant_id, m.message_id_header from recipients r join messages m on m.id = r.message_id where r.id in (${ids.map(() => '?').join(', ')})`,
    ids);
  return rows;
}

const INSERT_INBOUND_SQL = 'insert into inbound_messages (id, tenant_id, received_at, envelope_from, envelope_to, kind, raw, analysis_json) values (?, ?, ?, ?, ?, ?, ?, ?)';

const KIND_TO_EVENT: Record<Analysis['kind'], Outcome['type'] | null> = {
  bounce: 'bounced', delay: 'deferred', delivered: 'delivered', feedback: 'complained', autoreply: 'autoreply', unknown: null,
};

/**
 * Takes one inbound report (DSN, NDR, auto-reply, ARF) and records it against the recipients it
 * belongs to. Only reports addressed to a valid VERP token, or to bounces@ quoting the Message-ID of
 * a message we sent, are recorded: a forged bounce cannot mark a guest's address as bad.
 */
export async function ingestBounce(
  ctx: AppContext, raw: Buffer, envelope: { from: string; to: string[] }, source: Outcome['source'] = 'bounce',
  opts: { tenantId?: string; onlyKinds?: readonly Analysis['kind'][]; known?: ReadonlyMap<string, KnownRecipient> } = {},
): Promise<IngestResult> {
  const analysis = analyse(raw);
  const eventType = KIND_TO_EVENT[analysis.kind];
  if (opts.onlyKinds && !opts.onlyKinds.includes(analysis.kind)) {
    return { inboundId: null, kind: analysis.kind, matched: [], refused: `a ${analysis.kind} report is not taken from this source` };
  }

  // Candidates: recipient rows named by VERP tokens, else rows of the message whose Message-ID came back.
  const candidateIds = new Set<string>();
  for (const to of envelope.to) {
    const id = recipientIdFromVerp(ctx, to);
    if (id) candidateIds.add(id);
  }
  let rows: KnownRecipient[] = [];
  if (candidateIds.size > 0) {
    // Usually read already when the listener checked the RCPT addresses (`opts.known`).
    const missing = [...candidateIds].filter((id) => !opts.known?.has(id));
    const fetched = missing.length > 0 ? await lookUpRecipients(ctx, missing) : [];
    rows = [...candidateIds].map((id) => opts.known?.get(id) ?? fetched.find((r) => r.id === id)).filter((r): r is KnownRecipient => r !== undefined);
    // A report that quotes another message than the one its return path names (a DSN about a
    // notification, a hotel's reply quoting a Message-ID) is not about this recipient.
    if (analysis.originalMessageId && rows.length > 0) {
      const quoted = analysis.originalMessageId.toLowerCase();
      rows = rows.filter((r) => r.message_id_header.toLowerCase() === quoted);
      if (rows.length === 0) return { inboundId: null, kind: analysis.kind, matched: [], refused: 'the report quotes a different message than its return path names' };
    }
  } else if (analysis.originalMessageId) {
    let q = ctx.db.kysely.selectFrom('messages').select(['id'])
      .where('message_id_header', '=', analysis.originalMessageId);
    // A report found in one hotel's mailbox may only speak about that hotel's messages.
    if (opts.tenantId) q = q.where('tenant_id', '=', opts.tenantId);
    const msg = await q.executeTakeFirst();
    if (msg) {
      const all = (await ctx.db.kysely.selectFrom('recipients').select(['id', 'address', 'message_id', 'tenant_id'])
        .where('message_id', '=', msg.id).execute()).map((r) => ({ ...r, message_id_header: analysis.originalMessageId! }));
      const named = new Set(analysis.recipients.map((r) => r.address.toLowerCase()));
      rows = all.filter((r) => named.has(r.address.toLowerCase()));
      // An auto-reply names no recipient; it comes from the guest, so match its From to the guest.
      if (rows.length === 0 && all.length === 1) rows = all;
    }
  }
  if (rows.length === 0) {
    return { inboundId: null, kind: analysis.kind, matched: [], refused: 'not a report about a message sent by this system' };
  }

  const inboundId = newId('inb');
  const inbound = {
    id: inboundId, tenant_id: rows[0]!.tenant_id, received_at: iso(ctx.now()), envelope_from: envelope.from,
    envelope_to: envelope.to.join(', '), kind: analysis.kind, raw, analysis_json: JSON.stringify(analysis),
  };

  const matched: IngestResult['matched'] = [];
  if (!eventType) {
    await ctx.db.kysely.insertInto('inbound_messages').values(inbound).execute();
    return { inboundId, kind: analysis.kind, matched, refused: 'the report could not be understood; kept for inspection' };
  }

  // The report is stored in the transaction of its first outcome (one commit, not two); if that
  // transaction fails, neither is stored and the sender is told to try again.
  let inboundStored = false;
  for (const row of rows) {
    const verdict = pickVerdict(analysis.recipients, row.address, rows.length === 1);
    const result = await recordOutcome(ctx, row.id, {
      type: eventType,
      source,
      statusCode: verdict?.status ?? null,
      replyCode: verdict?.replyCode ?? null,
      reason: verdict?.reason ?? (eventType === 'bounced' ? 'undefined' : null),
      hardBounce: verdict?.hardBounce,
      diagnostic: verdict?.diagnosticCode ?? null,
      remoteMta: verdict?.remoteMta ?? null,
      inboundId,
      // The same report delivered twice (a retrying MTA) is recorded once.
      dedupeKey: `inbound:${row.id}:${eventType}:${verdict?.status ?? ''}:${hashText(verdict?.diagnosticCode ?? analysis.kind)}`,
      details: { decodedBy: verdict?.decodedBy ?? null, reasonFrom: verdict?.reasonFrom ?? null, action: verdict?.action ?? null, feedbackType: verdict?.feedbackType ?? null },
    }, inboundStored ? {} : { guard: async (trx) => { await ctx.db.query(trx, INSERT_INBOUND_SQL, [inbound.id, inbound.tenant_id, inbound.received_at, inbound.envelope_from, inbound.envelope_to, inbound.kind, inbound.raw, inbound.analysis_json]); } });
    inboundStored = true;
    if (result.applied && result.status === 'bounced') ctx.metrics?.bounces.inc({ reason: verdict?.reason ?? 'undefined', source });
    matched.push({ recipientId: row.id, messageId: row.message_id, type: eventType, applied: result.applied, duplicate: result.duplicate });
  }
  return { inboundId, kind: analysis.kind, matched, refused: null };
}

function pickVerdict(verdicts: RecipientVerdict[], address: string, onlyRow: boolean): RecipientVerdict | null {
  const exact = verdicts.find((v) => v.address.toLowerCase() === address.toLowerCase());
  if (exact) return exact;
  // The report names another address (forwarding, alias expansion): with one recipient per VERP
  // envelope the report is still about this recipient.
  return onlyRow && verdicts.length === 1 ? verdicts[0]! : onlyRow ? verdicts[0] ?? null : null;
}

function hashText(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}
