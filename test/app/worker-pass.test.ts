import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createContext, createLogger } from '../../src/runtime.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { sendMessage } from '../../src/app/send-message.ts';
import { startWorker } from '../../src/app/worker.ts';
import { claimDueRecipients, deliverRecipient } from '../../src/app/deliver.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

/**
 * One worker pass claims batch after batch while the previous one is still sending (no stall at the
 * end of each batch), but takes at most 8 batches, so notifications and webhooks get their turn.
 */
describe('a worker pass', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => { for (const c of cleanups.reverse()) await c(); });

  it('delivers more than one batch in a pass, and at most eight batches', async () => {
    const sink = await startSmtpSink({});
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-pass-'));
    const ctx = await createContext(loadConfig({
      REBOUND_DATABASE_URL: 'sqlite::memory:', REBOUND_ADMIN_TOKEN: 'test-admin-token-0123456789', REBOUND_SECRET_KEY: 'test-secret-key-0123456789abcdef-0123',
      REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_NOTIFICATIONS_DOMAIN: 'notifications.example.com',
    }, { dataDir }), { log: createLogger('silent') });
    cleanups.push(() => sink.close(), () => rmSync(dataDir, { recursive: true, force: true }), () => ctx.db.close(), () => ctx.composer.close(), () => ctx.routes.close());
    const { tenant } = await createTenant(ctx, { name: 'Hotel Pass', notificationEmail: 'front-desk@hotel.example.com', language: 'de', sender: {}, route: { type: 'relay' } });
    for (let i = 0; i < 50; i++) await sendMessage(ctx, tenant, { to: `guest-${i}@example.net`, subject: `Buchung ${i}`, text: 'Guten Tag' }, null);

    const worker = startWorker(ctx, { concurrency: 2, batch: 5, autoStart: false });
    const first = await worker.runOnce();
    assert.equal(first, 40, 'eight batches of five in the first pass');
    assert.equal(sink.mails.length, 40);
    const second = await worker.runOnce();
    assert.equal(second, 10, 'the rest in the next pass');
    assert.equal(sink.mails.length, 50);
    assert.equal(new Set(sink.mails.map((m) => m.to.join())).size, 50, 'each guest exactly once');
    assert.equal(await worker.runOnce(), 0);
  });

  it('sends a claimed recipient at once while its lease is fresh; one that waited past half its lease only if it is still ours', async () => {
    const sink = await startSmtpSink({});
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-lease-'));
    let clock = Date.parse('2026-12-03T10:00:00Z');
    const ctx = await createContext(loadConfig({
      REBOUND_DATABASE_URL: 'sqlite::memory:', REBOUND_ADMIN_TOKEN: 'test-admin-token-0123456789', REBOUND_SECRET_KEY: 'test-secret-key-0123456789abcdef-0123',
      REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_NOTIFICATIONS_DOMAIN: 'notifications.example.com', REBOUND_LEASE_SECONDS: '300',
    }, { dataDir }), { log: createLogger('silent'), now: () => new Date(clock) });
    cleanups.push(() => sink.close(), () => rmSync(dataDir, { recursive: true, force: true }), () => ctx.db.close(), () => ctx.composer.close(), () => ctx.routes.close());
    const { tenant } = await createTenant(ctx, { name: 'Hotel Lease', notificationEmail: 'front-desk@hotel.example.com', language: 'de', sender: {}, route: { type: 'relay' } });
    for (const to of ['fresh@example.net', 'taken@example.net', 'stale@example.net']) await sendMessage(ctx, tenant, { to, subject: 'Buchung', text: 'Guten Tag' }, null);
    const row = (address: string) => ctx.db.kysely.selectFrom('recipients').selectAll().where('address', '=', address).executeTakeFirstOrThrow();

    const claimed = await claimDueRecipients(ctx, 10);
    assert.equal(claimed.length, 3);
    assert.ok(claimed.every((r) => r.attempts === 1), 'the claim counts the attempt');
    const byAddress = new Map(claimed.map((r) => [r.address, r]));

    await deliverRecipient(ctx, byAddress.get('fresh@example.net')!);
    const fresh = await row('fresh@example.net');
    assert.equal(fresh.status, 'sent');
    assert.equal(fresh.lease_until, null);
    assert.match(fresh.envelope_from ?? '', /^bounces\+rcp_[^@]+@notifications\.example\.com$/);

    // 200 s later (less than half of the 300 s lease left): another worker has taken one of the two.
    clock += 200_000;
    await ctx.db.kysely.updateTable('recipients').set({ lease_until: '2026-12-03T10:08:20.000Z' }).where('address', '=', 'taken@example.net').execute();
    await deliverRecipient(ctx, byAddress.get('taken@example.net')!);
    await deliverRecipient(ctx, byAddress.get('stale@example.net')!);
    assert.deepEqual(sink.mails.map((m) => m.to.join()).sort(), ['fresh@example.net', 'stale@example.net']);
    const taken = await row('taken@example.net');
    assert.equal(taken.status, 'queued', 'left to the worker that holds it');
    assert.equal(taken.lease_until, '2026-12-03T10:08:20.000Z');
    assert.equal((await row('stale@example.net')).status, 'sent');
  });
});
