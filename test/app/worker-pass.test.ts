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
});
