import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import type { TenantRecord } from './tenants.ts';
import { newId } from '../domain/ids.ts';
import { summarise, type Status } from '../domain/status.ts';
import { ReboundError } from '../errors.ts';
import { activeSuppressions, suppressionKey } from './suppressions.ts';
import { enqueueWebhooks } from './webhook-outbox.ts';
import type { Db } from '../adapters/db/database.ts';
import { batcher, type Batcher } from '../adapters/db/batcher.ts';

const Address = z.union([
  z.email().max(254),
  z.object({ email: z.email().max(254), name: z.string().trim().max(200).optional() }).strict(),
]);
const AddressList = z.union([
  Address,
  z.array(Address).min(1, 'at least one address').max(50, 'at most 50 addresses per list (and 50 recipients per message)'),
], { error: (issue) => (Array.isArray(issue.input) && issue.input.length > 50 ? 'at most 50 addresses per list (and 50 recipients per message)' : undefined) });

/**
 * Base64 as sent in JSON (RFC 4648 §4): whitespace tolerated, padding only at the end, length a multiple
 * of four. Anything else is refused rather than silently truncated by a lenient decoder.
 */
export function isCanonicalBase64(text: string): boolean {
  // A loop, not a regular expression: a repeated group over a 20 MB attachment overflows V8's regex stack.
  const s = text.replace(/\s+/g, '');
  if (s.length % 4 !== 0) return false;
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  for (let i = 0; i < s.length - padding; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}
const Base64 = z.string().refine(isCanonicalBase64, 'must be base64 (RFC 4648, with padding)');

export const SendMessageSchema = z.object({
  to: AddressList,
  cc: AddressList.optional(),
  bcc: AddressList.optional(),
  subject: z.string().max(998).refine((s) => !/[\r\n]/.test(s), 'must be one line'),
  text: z.string().max(5_000_000).optional(),
  html: z.string().max(10_000_000).optional(),
  replyTo: z.email().max(254).optional(),
  reference: z.string().max(200).optional(),
  metadata: z.record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean()])).optional()
    .refine((m) => !m || Object.keys(m).length <= 50, 'at most 50 keys'),
  attachments: z.array(z.object({
    filename: z.string().min(1).max(255).refine((s) => !/[\r\n\\/]/.test(s), 'must be a plain file name'),
    content: Base64,
    contentType: z.string().max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like application/pdf')
      .refine((t) => !/^multipart\//i.test(t), 'must be the type of one file (a multipart type needs parts of its own)').optional(),
  }).strict()).max(20).optional(),
}).strict().refine((m) => m.text !== undefined || m.html !== undefined, { message: 'text or html is required', path: ['text'] });

export type SendMessageInput = z.infer<typeof SendMessageSchema>;
type Addr = z.infer<typeof Address>;

function toList(a: z.infer<typeof AddressList> | undefined): { email: string; name?: string }[] {
  if (a === undefined) return [];
  const arr: Addr[] = Array.isArray(a) ? a : [a];
  return arr.map((x) => (typeof x === 'string' ? { email: x } : x));
}

export interface AcceptedMessage {
  id: string;
  status: string;
  duplicate: boolean;
}

/** The From a hotel's mail goes out with: the hotel's own address if set, else its name on the platform address. */
export function fromHeaderFor(ctx: AppContext, tenant: TenantRecord): { name: string; address: string } {
  return {
    name: tenant.sender.fromName ?? tenant.name,
    address: tenant.sender.fromEmail ?? `no-reply@${ctx.config.notificationsDomain}`,
  };
}

export async function composeMessage(ctx: AppContext, tenant: TenantRecord, input: SendMessageInput, messageIdHeader: string, date: Date): Promise<Buffer> {
  const from = fromHeaderFor(ctx, tenant);
  const replyTo = input.replyTo ?? tenant.sender.replyTo ?? (tenant.sender.fromEmail ? undefined : tenant.notificationEmail);
  const fmt = (l: { email: string; name?: string }[]) => l.map((x) => (x.name ? { name: x.name, address: x.email } : x.email));
  return await ctx.composer.compose({
    from,
    to: fmt(toList(input.to)),
    cc: input.cc ? fmt(toList(input.cc)) : undefined,
    replyTo,
    subject: input.subject,
    text: input.text,
    html: input.html,
    messageId: messageIdHeader,
    date,
    attachments: (input.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: a.content.replace(/\s+/g, ''),
      encoding: 'base64' as const,
      contentType: a.contentType,
      // Always an attachment: nodemailer would put a message/rfc822 (a forwarded mail) inline.
      contentDisposition: 'attachment' as const,
    })),
  });
}

// The column lists are shared by the plain inserts and the PostgreSQL batch statement below.
const MESSAGE_COLUMNS = `messages
  (id, tenant_id, message_id_header, idempotency_key, request_hash, subject, from_header, reference, metadata_json, route_kind, status, created_at, updated_at, content_deleted_at)`;
const CONTENT_COLUMNS = 'message_contents (message_id, raw)';
const RECIPIENT_COLUMNS = `recipients
  (id, message_id, tenant_id, address, kind, status, attempts, next_attempt_at, lease_until, first_attempt_at, envelope_from, reply_code, status_code, reason, diagnostic, remote_mta, updated_at)`;
const ACCEPTED_EVENT_COLUMNS = `events
  (id, tenant_id, message_id, recipient_id, type, at, source, status_code, reply_code, reason, diagnostic, remote_mta, inbound_id, details_json, dedupe_key, hard_bounce)`;

const INSERT_MESSAGE_SQL = `insert into ${MESSAGE_COLUMNS} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)`;
const INSERT_CONTENT_SQL = `insert into ${CONTENT_COLUMNS} values (?, ?)`;
const INSERT_RECIPIENT_SQL = `insert into ${RECIPIENT_COLUMNS} values (?, ?, ?, ?, ?, ?, 0, ?, null, null, null, null, null, ?, ?, null, ?)`;
const INSERT_ACCEPTED_EVENT_SQL = `insert into ${ACCEPTED_EVENT_COLUMNS} values (?, ?, ?, null, 'accepted', ?, 'api', null, null, null, null, null, null, '{}', null, null)`;

/**
 * PostgreSQL: messages accepted at about the same time — each with its content, recipients and
 * accepted event — written by one statement (arrays of column values, unnested; the foreign keys are
 * checked at its end), and only if none of their addresses is on its hotel's suppression list, read
 * in the same snapshot. It answers `written` 1 or 0; at 0 nothing was stored and each message takes
 * the path that records suppressed recipients. One statement, one text, committing by itself: a
 * round trip and a commit for many messages instead of several for each.
 */
const ACCEPT_BATCH_SQL_PG = `with ok as (select 1 as free where not exists (select 1 from suppressions s
      join unnest($1::text[], $2::text[]) as a(tenant_id, address) on s.tenant_id = a.tenant_id and s.address = a.address
      where s.removed_at is null)),
  m as (insert into ${MESSAGE_COLUMNS}
    select u.id, u.tenant_id, u.message_id_header, u.idempotency_key, u.request_hash, u.subject, u.from_header, u.reference,
      u.metadata_json, u.route_kind, 'queued', u.created_at, u.created_at, null
    from ok, unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
      as u(id, tenant_id, message_id_header, idempotency_key, request_hash, subject, from_header, reference, metadata_json, route_kind, created_at)),
  c as (insert into ${CONTENT_COLUMNS} select u.message_id, u.raw from ok, unnest($3::text[], $14::bytea[]) as u(message_id, raw)),
  r as (insert into ${RECIPIENT_COLUMNS}
    select u.id, u.message_id, u.tenant_id, u.address, u.kind, 'queued', 0, u.at, null, null, null, null, null, null, null, null, u.at
    from ok, unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[]) as u(id, message_id, tenant_id, address, kind, at)),
  e as (insert into ${ACCEPTED_EVENT_COLUMNS}
    select u.id, u.tenant_id, u.message_id, null, 'accepted', u.at, 'api', null, null, null, null, null, null, '{}', null, null
    from ok, unnest($21::text[], $22::text[], $3::text[], $13::text[]) as u(id, tenant_id, message_id, at))
  select count(*) as written from ok`;

/** Largest content written by the batch statement (it travels hex-encoded in an array); larger goes alone. */
const BATCH_CONTENT_BYTES = 256 * 1024;

interface Acceptance {
  id: string; tenantId: string; messageIdHeader: string; idempotencyKey: string | null; hash: string | null; subject: string;
  from: string; reference: string | null; metadata: string; routeKind: string; at: string; raw: Buffer; eventId: string;
  recipients: { id: string; address: string; kind: string }[];
}

const acceptBatchers = new WeakMap<Db, Batcher<Acceptance, boolean>>();
function acceptBatcher(db: Db): Batcher<Acceptance, boolean> {
  let b = acceptBatchers.get(db);
  if (!b) {
    b = batcher(async (items) => {
      const col = <T>(f: (a: Acceptance) => T) => items.map(f);
      const rcpt = items.flatMap((a) => a.recipients.map((r) => ({ ...r, a })));
      const { rows: [result] } = await db.query<{ written: number | string }>(db.kysely, ACCEPT_BATCH_SQL_PG, [
        rcpt.map((r) => r.a.tenantId), rcpt.map((r) => suppressionKey(r.address)),
        col((a) => a.id), col((a) => a.tenantId), col((a) => a.messageIdHeader), col((a) => a.idempotencyKey), col((a) => a.hash),
        col((a) => a.subject), col((a) => a.from), col((a) => a.reference), col((a) => a.metadata), col((a) => a.routeKind), col((a) => a.at),
        col((a) => a.raw),
        rcpt.map((r) => r.id), rcpt.map((r) => r.a.id), rcpt.map((r) => r.a.tenantId), rcpt.map((r) => r.address), rcpt.map((r) => r.kind), rcpt.map((r) => r.a.at),
        col((a) => a.eventId), col((a) => a.tenantId),
      ]);
      const written = Number(result?.written) === 1;
      return items.map(() => written);
    }, { max: 64, parallel: 1 });
    acceptBatchers.set(db, b);
  }
  return b;
}

function requestHash(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

/** The message an Idempotency-Key already produced (same request), a 409 for a different request, or null. */
async function earlierAcceptance(ctx: AppContext, tenantId: string, idempotencyKey: string, hash: string): Promise<AcceptedMessage | null> {
  const existing = await ctx.db.kysely.selectFrom('messages').select(['id', 'status', 'request_hash'])
    .where('tenant_id', '=', tenantId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  if (!existing) return null;
  if (existing.request_hash !== hash) throw new ReboundError('REBOUND_ERR_IDEMPOTENCY_CONFLICT', undefined, 'Idempotency-Key');
  return { id: existing.id, status: existing.status, duplicate: true };
}

/** Stores the message, its content and one row per recipient, queued, in one transaction → 202. */
export async function sendMessage(ctx: AppContext, tenant: TenantRecord, input: SendMessageInput, idempotencyKey: string | null): Promise<AcceptedMessage> {
  // Only a request with an Idempotency-Key can be compared with an earlier one.
  const keyed = idempotencyKey ? { key: idempotencyKey, hash: requestHash(input) } : null;
  const hash = keyed?.hash ?? null;
  if (keyed) {
    const earlier = await earlierAcceptance(ctx, tenant.id, keyed.key, keyed.hash);
    if (earlier) return earlier;
  }

  const recipients = [
    ...toList(input.to).map((r) => ({ ...r, kind: 'to' })),
    ...toList(input.cc).map((r) => ({ ...r, kind: 'cc' })),
    ...toList(input.bcc).map((r) => ({ ...r, kind: 'bcc' })),
  ];
  // One row per distinct address: the same guest in To and Cc gets one copy.
  const seen = new Set<string>();
  const unique = recipients.filter((r) => {
    const k = r.email.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length > 50) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'At most 50 recipients per message.', 'to');

  const now = ctx.now();
  const id = newId('msg', now.getTime());
  const messageIdHeader = `<${id}@${ctx.config.notificationsDomain}>`;
  const raw = await composeMessage(ctx, tenant, input, messageIdHeader, now);
  if (raw.length > ctx.config.maxMessageBytes) {
    // Name what made it large: the attachments if there are any, else the body.
    const field = input.attachments?.length ? 'attachments' : input.html !== undefined ? 'html' : 'text';
    throw new ReboundError('REBOUND_ERR_REQUEST_TOO_LARGE', `The message is ${raw.length} bytes; the limit is ${ctx.config.maxMessageBytes}.`, field);
  }
  const from = fromHeaderFor(ctx, tenant);
  const at = iso(now);

  let status: Status = 'queued';
  try {
    const db = ctx.db;
    let written = false;
    if (db.dialect === 'postgres' && raw.length <= BATCH_CONTENT_BYTES) {
      // The common case: no address suppressed, written together with the messages accepted meanwhile.
      // Declined (a suppressed address in the batch) or failed (an Idempotency-Key taken meanwhile, …):
      // nothing of the batch was stored, and this message takes the path below, by itself.
      written = await acceptBatcher(db).submit({
        id, tenantId: tenant.id, messageIdHeader, idempotencyKey, hash, subject: input.subject, from: `${from.name} <${from.address}>`,
        reference: input.reference ?? null, metadata: JSON.stringify(input.metadata ?? {}), routeKind: tenant.route.type, at, raw,
        eventId: newId('evt', now.getTime()), recipients: unique.map((r) => ({ id: newId('rcp', now.getTime()), address: r.email, kind: r.kind })),
      }).catch(() => false);
    }
    if (written) status = 'queued';
    else status = await db.write(async (trx) => {
      // Read in the same transaction as the insert: an address suppressed a moment ago is not attempted.
      const suppressions = await activeSuppressions(trx, tenant.id, unique.map((r) => r.email), db);
      const rows = unique.map((r) => {
        const suppression = suppressions.get(suppressionKey(r.email)) ?? null;
        return { id: newId('rcp', now.getTime()), address: r.email, kind: r.kind, suppression };
      });
      // Plain SQL (prepared once).
      await db.query(trx, INSERT_MESSAGE_SQL, [
        id, tenant.id, messageIdHeader, idempotencyKey, hash, input.subject, `${from.name} <${from.address}>`,
        input.reference ?? null, JSON.stringify(input.metadata ?? {}), tenant.route.type,
        summarise(rows.map((r) => (r.suppression ? 'suppressed' : 'queued'))), at, at,
      ]);
      await db.query(trx, INSERT_CONTENT_SQL, [id, raw]);
      // A suppressed recipient is never due: the worker does not attempt it.
      for (const r of rows) {
        await db.query(trx, INSERT_RECIPIENT_SQL, [
          r.id, id, tenant.id, r.address, r.kind, r.suppression ? 'suppressed' : 'queued', r.suppression ? null : at,
          r.suppression?.reason ?? null, r.suppression?.diagnostic ?? null, at,
        ]);
      }
      await db.query(trx, INSERT_ACCEPTED_EVENT_SQL, [newId('evt', now.getTime()), tenant.id, id, at]);
      for (const r of rows) {
        if (!r.suppression) continue;
        const eventId = newId('evt', now.getTime());
        const s = r.suppression;
        await trx.insertInto('events').values({
          id: eventId, tenant_id: tenant.id, message_id: id, recipient_id: r.id, type: 'suppressed', at, source: 'api',
          status_code: null, reply_code: null, reason: s.reason,
          diagnostic: `Not attempted: ${r.address} is on this hotel's suppression list since ${s.createdAt} (${s.source}${s.eventId ? `, event ${s.eventId}` : ''}).`,
          remote_mta: null, inbound_id: null, dedupe_key: null, hard_bounce: null,
          details_json: JSON.stringify({ suppressedBy: { source: s.source, eventId: s.eventId, messageId: s.messageId, since: s.createdAt, diagnostic: s.diagnostic } }),
        }).execute();
        await enqueueWebhooks(trx, {
          tenantId: tenant.id, messageId: id, recipientId: r.id, eventId, eventType: 'suppressed', at, recipient: r.address, status: 'suppressed',
          statusCode: null, replyCode: null, reason: s.reason, diagnostic: s.diagnostic, remoteMta: null,
        });
      }
      return summarise(rows.map((r) => (r.suppression ? 'suppressed' : 'queued')));
    });
  } catch (e) {
    // Two concurrent requests with one Idempotency-Key: the unique constraint lets one win; answer the other with it.
    if (keyed) {
      const earlier = await earlierAcceptance(ctx, tenant.id, keyed.key, keyed.hash);
      if (earlier) return earlier;
    }
    throw e;
  }
  ctx.wake();
  return { id, status, duplicate: false };
}
