import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createContext, createLogger } from '../../src/runtime.ts';
import { createTenant } from '../../src/app/tenants.ts';
import { sendMessage } from '../../src/app/send-message.ts';
import { recordOutcome } from '../../src/app/record-outcome.ts';
import { createPostgresDatabase, postgresAvailable } from '../helpers/databases.ts';

/**
 * Two processes record outcomes for two recipients of one message at the same moment. Each
 * transaction must see the other's recipient once it has committed, or the message keeps a status
 * none of its recipients has any more (READ COMMITTED on PostgreSQL).
 */
describe('a message with several recipients, outcomes recorded by two processes at once', { skip: !(await postgresAvailable()) && 'PostgreSQL is not answering' }, () => {
  it('ends with the status of all its recipients on PostgreSQL', async () => {
    const pg = await createPostgresDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-status-'));
    const config = loadConfig({ REBOUND_DATABASE_URL: pg.url, REBOUND_ADMIN_TOKEN: 'test-admin-token-0123456789', REBOUND_SECRET_KEY: 'test-secret-key-0123456789abcdef-0123' }, { dataDir });
    const a = await createContext(config, { log: createLogger('silent') });
    const b = await createContext(config, { log: createLogger('silent'), migrate: false });
    try {
      const { tenant } = await createTenant(a, { name: 'Hotel Zwei', notificationEmail: 'front-desk@hotel.example.com', language: 'de', sender: {}, route: { type: 'relay' } });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await sendMessage(a, tenant, { to: [`first-${i}@example.net`, `second-${i}@example.net`], subject: `Buchung ${i}`, text: 'x' }, null)).id);
      const sent = { type: 'sent' as const, source: 'worker' as const, statusCode: '2.0.0', replyCode: '250', reason: null, diagnostic: '250 2.0.0 Ok', remoteMta: 'relay.example.com' };
      for (const id of ids) {
        const [first, second] = await a.db.kysely.selectFrom('recipients').select('id').where('message_id', '=', id).orderBy('address').execute();
        await Promise.all([recordOutcome(a, first!.id, sent), recordOutcome(b, second!.id, sent)]);
      }
      const stale = await a.db.kysely.selectFrom('messages').select(['id', 'status']).where('id', 'in', ids).where('status', '!=', 'sent').execute();
      assert.deepEqual(stale, [], `${stale.length} of 40 messages kept a stale status`);
    } finally {
      await b.db.close(); await b.composer.close();
      await a.db.close(); await a.composer.close();
      await pg.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
