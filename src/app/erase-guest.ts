import { sql } from 'kysely';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { refreshMessageStatus } from './record-outcome.ts';

/**
 * GDPR Art. 17 erasure of one guest's data for one hotel (DELETE /v1/guests/:address).
 *
 * What happens, all in one transaction, matching the address case-insensitively within the hotel:
 * - recipient rows: the address becomes the anonymous placeholder `erased@erased.invalid`; the rows,
 *   their statuses and their timelines stay, so the hotel's statistics stay right. Deliveries still
 *   waiting are cancelled (status `suppressed`, diagnostic "erased on request").
 * - message contents (body, attachments, headers naming the guest) of every message to the guest are
 *   deleted (`contentDeletedAt` set) — unless another recipient of that message still waits for
 *   delivery; then the content goes with the retention job once that recipient is settled.
 *   Messages whose only recipient was the guest also lose their subject and metadata.
 * - events' diagnostics and details, and recipients' last diagnostic, have the address replaced.
 * - inbound bounces and auto-replies recorded for the guest are deleted (raw mail and analysis).
 * - hotel notifications about the guest lose their rendered mail; unsent ones are cancelled.
 * - the guest's entry on the hotel's suppression list is removed (so the hotel may mail them again),
 *   queued webhook payloads have the address replaced, and copies in the local capture mailbox go.
 */
export const ERASED_ADDRESS = 'erased@erased.invalid';
const EMPTY = Buffer.alloc(0);

export interface ErasureReport {
  recipients: number;
  cancelledDeliveries: number;
  messages: number;
  contents: number;
  events: number;
  inboundMessages: number;
  notifications: number;
  suppressions: number;
  webhookDeliveries: number;
  captured: number;
}

function replacer(address: string): (s: string | null) => string | null {
  const pattern = new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  return (s) => (s === null ? null : s.replace(pattern, ERASED_ADDRESS));
}

async function tableExists(ctx: AppContext, trx: typeof ctx.db.kysely, name: string): Promise<boolean> {
  const r = ctx.db.dialect === 'postgres'
    ? await sql<{ n: string }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = ${name}`.execute(trx)
    : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(trx);
  return Number(r.rows[0]?.n ?? 0) > 0;
}

export async function eraseGuest(ctx: AppContext, tenantId: string, rawAddress: string): Promise<ErasureReport> {
  const address = rawAddress.trim().toLowerCase();
  const scrub = replacer(address);
  const now = iso(ctx.now());
  const report: ErasureReport = {
    recipients: 0, cancelledDeliveries: 0, messages: 0, contents: 0, events: 0, inboundMessages: 0,
    notifications: 0, suppressions: 0, webhookDeliveries: 0, captured: 0,
  };

  await ctx.db.kysely.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('recipients').select(['id', 'message_id', 'status', 'diagnostic'])
      .where('tenant_id', '=', tenantId).where(sql<string>`lower(address)`, '=', address).execute();
    const recipientIds = rows.map((r) => r.id);
    const messageIds = [...new Set(rows.map((r) => r.message_id))];

    if (await tableExists(ctx, trx, 'suppressions')) {
      const r = await sql`delete from suppressions where tenant_id = ${tenantId} and lower(address) = ${address}`.execute(trx);
      report.suppressions = Number(r.numAffectedRows ?? 0);
    }
    if (recipientIds.length === 0) return;

    // Inbound reports about the guest: found through the events that recorded them.
    const inboundIds = [...new Set((await trx.selectFrom('events').select('inbound_id')
      .where('recipient_id', 'in', recipientIds).where('inbound_id', 'is not', null).execute()).map((e) => e.inbound_id!))];

    const events = await trx.selectFrom('events').select(['id', 'diagnostic', 'details_json', 'inbound_id'])
      .where('recipient_id', 'in', recipientIds).execute();
    for (const e of events) {
      const diagnostic = scrub(e.diagnostic);
      const details = scrub(e.details_json)!;
      if (diagnostic !== e.diagnostic || details !== e.details_json || e.inbound_id) {
        await trx.updateTable('events').set({ diagnostic, details_json: details, inbound_id: null }).where('id', '=', e.id).execute();
        report.events++;
      }
    }
    if (inboundIds.length) {
      const r = await trx.deleteFrom('inbound_messages').where('id', 'in', inboundIds).where('tenant_id', '=', tenantId).executeTakeFirst();
      report.inboundMessages = Number(r.numDeletedRows);
    }

    for (const r of rows) {
      const pending = r.status === 'queued' || r.status === 'deferred';
      await trx.updateTable('recipients').set({
        address: ERASED_ADDRESS,
        diagnostic: pending ? 'erased on request' : scrub(r.diagnostic),
        ...(pending ? { status: 'suppressed', next_attempt_at: null, lease_until: null } : {}),
        updated_at: now,
      }).where('id', '=', r.id).execute();
      if (pending) report.cancelledDeliveries++;
    }
    report.recipients = rows.length;

    const notifications = await trx.updateTable('notifications')
      .set({ raw: EMPTY, facts_json: null, raw_deleted_at: now })
      .where('recipient_id', 'in', recipientIds).executeTakeFirst();
    report.notifications = Number(notifications.numUpdatedRows);
    const notificationIds = (await trx.selectFrom('notifications').select('id').where('recipient_id', 'in', recipientIds).execute()).map((n) => n.id);
    await trx.updateTable('notifications').set({ status: 'cancelled', lease_until: null })
      .where('recipient_id', 'in', recipientIds).where('status', '=', 'pending').execute();

    const headers: string[] = notificationIds.map((id) => `<${id}@${ctx.config.notificationsDomain}>`);
    for (const messageId of messageIds) {
      await refreshMessageStatus(trx, messageId, now, ctx.db.dialect);
      const others = await trx.selectFrom('recipients').select(['status'])
        .where('message_id', '=', messageId).where('id', 'not in', recipientIds).execute();
      const message = await trx.selectFrom('messages').select(['message_id_header', 'content_deleted_at']).where('id', '=', messageId).executeTakeFirst();
      if (message) headers.push(message.message_id_header);
      if (others.some((o) => o.status === 'queued' || o.status === 'deferred')) continue;
      const deleted = await trx.deleteFrom('message_contents').where('message_id', '=', messageId).executeTakeFirst();
      report.contents += Number(deleted.numDeletedRows);
      await trx.updateTable('messages').set({
        content_deleted_at: message?.content_deleted_at ?? now,
        // Only the guest was addressed: the subject and metadata were about them too.
        ...(others.length === 0 ? { subject: '[erased]', metadata_json: '{}' } : {}),
        updated_at: now,
      }).where('id', '=', messageId).execute();
      report.messages++;
    }

    if (await tableExists(ctx, trx, 'webhook_deliveries')) {
      const deliveries = await sql<{ id: string; payload: string }>`select id, payload from webhook_deliveries where recipient_id in (${sql.join(recipientIds)})`.execute(trx);
      for (const d of deliveries.rows) {
        const payload = scrub(d.payload)!;
        if (payload === d.payload) continue;
        await sql`update webhook_deliveries set payload = ${payload} where id = ${d.id}`.execute(trx);
        report.webhookDeliveries++;
      }
    }

    // The local capture mailbox (no relay configured) holds copies of the guest's mail and of the notifications.
    for (let i = 0; i < headers.length; i += 500) {
      const r = await trx.deleteFrom('captured_mail').where('message_id', 'in', headers.slice(i, i + 500)).executeTakeFirst();
      report.captured += Number(r.numDeletedRows);
    }
  });
  ctx.log.info({ tenant: tenantId, ...report }, 'guest data erased on request (GDPR Art. 17)');
  return report;
}
