import type { AppContext } from './context.ts';
import { ReboundError } from '../errors.ts';
import { decodePageCursor, encodePageCursor } from '../domain/cursor.ts';
import type { Status } from '../domain/status.ts';

export async function getMessage(ctx: AppContext, tenantId: string, id: string) {
  const k = ctx.db.kysely;
  // Scoped by tenant in the query itself: another hotel's id is simply not found (404, not 403).
  const m = await k.selectFrom('messages').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!m) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such message.', 'id');
  const recipients = await k.selectFrom('recipients').selectAll().where('message_id', '=', id).orderBy('id').execute();
  const events = await k.selectFrom('events').selectAll().where('message_id', '=', id).orderBy('at').orderBy('id').execute();
  const addressOf = new Map(recipients.map((r) => [r.id, r.address]));
  return {
    id: m.id,
    messageId: m.message_id_header,
    status: m.status as Status,
    subject: m.subject,
    reference: m.reference,
    metadata: JSON.parse(m.metadata_json) as Record<string, unknown>,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    recipients: recipients.map((r) => ({
      address: r.address,
      kind: r.kind as 'to' | 'cc' | 'bcc',
      status: r.status as Status,
      statusCode: r.status_code,
      replyCode: r.reply_code,
      reason: r.reason,
      diagnostic: r.diagnostic,
      remoteMta: r.remote_mta,
      attempts: Number(r.attempts),
      envelopeFrom: r.envelope_from,
      updatedAt: r.updated_at,
    })),
    events: events.map((e) => ({
      id: e.id,
      at: e.at,
      type: e.type as never,
      source: e.source,
      recipient: e.recipient_id ? addressOf.get(e.recipient_id) ?? null : null,
      statusCode: e.status_code,
      replyCode: e.reply_code,
      reason: e.reason,
      diagnostic: e.diagnostic,
      remoteMta: e.remote_mta,
    })),
  };
}

export interface ListFilter {
  status?: Status;
  recipient?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

/** Newest first; the cursor is the (created_at, id) of the last row seen, opaque to clients. */
export async function listMessages(ctx: AppContext, tenantId: string, f: ListFilter) {
  let q = ctx.db.kysely.selectFrom('messages')
    .select(['id', 'message_id_header', 'status', 'subject', 'reference', 'created_at', 'updated_at'])
    .where('tenant_id', '=', tenantId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.since) q = q.where('created_at', '>=', f.since);
  if (f.until) q = q.where('created_at', '<', f.until);
  if (f.recipient) {
    const addr = f.recipient.toLowerCase();
    q = q.where((eb) => eb.exists(eb.selectFrom('recipients').select('recipients.id')
      .whereRef('recipients.message_id', '=', 'messages.id')
      .where((eb2) => eb2(eb2.fn('lower', ['recipients.address']), '=', addr))));
  }
  if (f.cursor) {
    const c = decodePageCursor(f.cursor);
    q = q.where((eb) => eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.key)])]));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit + 1).execute();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    data: page.map((m) => ({
      id: m.id, messageId: m.message_id_header, status: m.status as Status, subject: m.subject, reference: m.reference,
      createdAt: m.created_at, updatedAt: m.updated_at,
    })),
    nextCursor: rows.length > f.limit && last ? encodePageCursor(last.created_at, last.id) : null,
  };
}
