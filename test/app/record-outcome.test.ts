import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createContext, createLogger } from '../../src/runtime.ts';
import type { AppContext } from '../../src/app/context.ts';
import { createTenant, type TenantRecord } from '../../src/app/tenants.ts';
import { sendMessage } from '../../src/app/send-message.ts';
import { claimDueRecipients, deliverRecipient } from '../../src/app/deliver.ts';
import { recordOutcome } from '../../src/app/record-outcome.ts';
import { createEndpoint } from '../../src/app/webhook-endpoints.ts';
import { createPostgresDatabase, databaseKinds } from '../helpers/databases.ts';

/**
 * The worker's `sent` outcome. On PostgreSQL, when the claim said the recipient is its message's only
 * one, it is written by one statement — which must decline, and leave the outcome to the general
 * rules, wherever the general path would have written something else.
 */
const sent = { type: 'sent' as const, source: 'worker' as const, statusCode: '2.0.0', replyCode: '250', reason: null, diagnostic: '250 2.0.0 Ok: queued as 4Xk9', remoteMta: 'relay.example.com' };

for (const kind of await databaseKinds()) {
  describe(`the worker's sent outcome on ${kind}`, () => {
    let ctx: AppContext;
    let tenant: TenantRecord;
    let dataDir: string;
    let drop: () => Promise<void> = async () => {};

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'rb-outcome-'));
      let url = 'sqlite::memory:';
      if (kind === 'postgres') ({ url, drop } = await createPostgresDatabase());
      ctx = await createContext(loadConfig({
        REBOUND_DATABASE_URL: url, REBOUND_ADMIN_TOKEN: 'test-admin-token-0123456789', REBOUND_SECRET_KEY: 'test-secret-key-0123456789abcdef-0123',
        REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      }, { dataDir }), { log: createLogger('silent') });
    });
    after(async () => {
      await ctx.db.close(); await ctx.composer.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const hotel = async (name: string) => (await createTenant(ctx, { name, notificationEmail: 'rezeption@hotel.example.com', language: 'de', sender: {}, route: { type: 'relay' } })).tenant;
    /** Sends a message to `to` and claims its recipients, as a worker does before the send. */
    const claimed = async (t: TenantRecord, to: string[]) => {
      const { id } = await sendMessage(ctx, t, { to, subject: 'Ihre Buchung', text: 'Bis bald.' }, null);
      const mine = (await claimDueRecipients(ctx, 50)).filter((r) => r.message_id === id);
      assert.equal(mine.length, to.length);
      return { id, recipients: mine };
    };
    const state = async (messageId: string) => ({
      message: (await ctx.db.kysely.selectFrom('messages').select('status').where('id', '=', messageId).executeTakeFirstOrThrow()).status,
      recipients: await ctx.db.kysely.selectFrom('recipients').select(['address', 'status', 'lease_until', 'envelope_from', 'diagnostic']).where('message_id', '=', messageId).orderBy('address').execute(),
      events: (await ctx.db.kysely.selectFrom('events').select('type').where('message_id', '=', messageId).orderBy('at').orderBy('type').execute()).map((e) => e.type),
      webhooks: (await ctx.db.kysely.selectFrom('webhook_deliveries').select('event_type').where('message_id', '=', messageId).execute()).map((w) => w.event_type),
    });

    before(async () => { tenant = await hotel('Hotel Seeblick'); });

    it('records the send of a message\'s only recipient: recipient, message and event', async () => {
      const { id, recipients: [r] } = await claimed(tenant, ['anna@example.net']);
      if (kind === 'postgres') assert.equal(r!.siblings, 1, 'the claim counts the message\'s recipients');
      const result = await recordOutcome(ctx, r!.id, sent, { expectedLease: r!.lease_until, envelopeFrom: 'bounces+x@notifications.example.com', soleRecipient: true });
      assert.deepEqual({ applied: result.applied, status: result.status, duplicate: result.duplicate }, { applied: true, status: 'sent', duplicate: false });
      const s = await state(id);
      assert.equal(s.message, 'sent');
      assert.deepEqual(s.recipients, [{ address: 'anna@example.net', status: 'sent', lease_until: null, envelope_from: 'bounces+x@notifications.example.com', diagnostic: sent.diagnostic }]);
      assert.deepEqual(s.events, ['accepted', 'sent']);
      const event = await ctx.db.kysely.selectFrom('events').selectAll().where('id', '=', result.eventId!).executeTakeFirstOrThrow();
      assert.equal(event.recipient_id, r!.id);
      assert.equal(event.reply_code, '250');
      assert.equal(event.remote_mta, 'relay.example.com');
    });

    it('writes nothing when another worker holds the lease by now', async () => {
      const { id, recipients: [r] } = await claimed(tenant, ['bert@example.net']);
      await ctx.db.kysely.updateTable('recipients').set({ lease_until: '2999-01-01T00:00:00.000Z' }).where('id', '=', r!.id).execute();
      const result = await recordOutcome(ctx, r!.id, sent, { expectedLease: r!.lease_until, envelopeFrom: null, soleRecipient: true });
      assert.equal(result.applied, false);
      const s = await state(id);
      assert.equal(s.message, 'queued');
      assert.deepEqual(s.recipients.map((x) => [x.status, x.lease_until]), [['queued', '2999-01-01T00:00:00.000Z']], 'the other worker\'s lease stands');
      assert.deepEqual(s.events, ['accepted']);
    });

    it('records many sends at the same moment, each by its own rules', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await sendMessage(ctx, tenant, { to: `gast-${i}@example.net`, subject: 'Ihre Buchung', text: 'Bis bald.' }, null)).id);
      const claims = await claimDueRecipients(ctx, 50);
      const messages = ids.map((id) => ({ id, recipients: claims.filter((r) => r.message_id === id) }));
      // One of them was taken over by another worker meanwhile: that one only must stay as it is.
      const stolen = messages[5]!.recipients[0]!;
      await ctx.db.kysely.updateTable('recipients').set({ lease_until: '2999-01-01T00:00:00.000Z' }).where('id', '=', stolen.id).execute();
      const results = await Promise.all(messages.map(({ recipients: [r] }) => recordOutcome(ctx, r!.id, sent, { expectedLease: r!.lease_until, envelopeFrom: null, soleRecipient: true })));
      assert.deepEqual(results.map((r) => r.applied), [true, true, true, true, true, false, true, true]);
      for (const [i, { id }] of messages.entries()) {
        const s = await state(id);
        assert.deepEqual([s.message, s.recipients[0]!.status, s.events], i === 5 ? ['queued', 'queued', ['accepted']] : ['sent', 'sent', ['accepted', 'sent']], `message ${i}`);
      }
    });

    it('keeps the message queued while another recipient is, even when told the recipient was the only one', async () => {
      const { id, recipients } = await claimed(tenant, ['carla@example.net', 'dora@example.net']);
      if (kind === 'postgres') assert.deepEqual(recipients.map((r) => r.siblings), [2, 2]);
      const first = recipients.find((r) => r.address === 'carla@example.net')!;
      await recordOutcome(ctx, first.id, sent, { expectedLease: first.lease_until, envelopeFrom: null, soleRecipient: true });
      const s = await state(id);
      assert.deepEqual(s.recipients.map((x) => x.status), ['sent', 'queued']);
      assert.equal(s.message, 'queued');
    });

    it('does not send a message whose content was deleted before its claim, and records why', async () => {
      const { id } = await sendMessage(ctx, tenant, { to: 'frida@example.net', subject: 'Ihre Buchung', text: 'Bis bald.' }, null);
      await ctx.db.kysely.deleteFrom('message_contents').where('message_id', '=', id).execute();
      const [r] = (await claimDueRecipients(ctx, 50)).filter((x) => x.message_id === id);
      await deliverRecipient(ctx, r!, async () => { throw new Error('must not be sent'); });
      const s = await state(id);
      assert.deepEqual(s.recipients.map((x) => [x.status, x.diagnostic]), [['bounced', 'The message content was deleted before it could be delivered.']]);
    });

    it('queues the webhook when the hotel has an endpoint', async () => {
      const withHooks = await hotel('Hotel Bergblick');
      await createEndpoint(ctx, withHooks.id, { url: 'http://127.0.0.1:9/rebound', events: ['message.sent'] });
      const { id, recipients: [r] } = await claimed(withHooks, ['emil@example.net']);
      await recordOutcome(ctx, r!.id, sent, { expectedLease: r!.lease_until, envelopeFrom: null, soleRecipient: true });
      const s = await state(id);
      assert.equal(s.message, 'sent');
      assert.deepEqual(s.webhooks, ['message.sent']);
    });
  });
}
