import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPostgresDatabase, postgresAvailable, POSTGRES_ADMIN_URL } from '../helpers/databases.ts';
import { ADMIN, TEST_SECRET, eventually } from '../helpers/rebound.ts';

/**
 * PostgreSQL cuts the connections of a busy Rebound (pg_terminate_backend, as a restart or failover
 * does) while requests and deliveries are running. The process must stay up: the requests on the cut
 * connections fail with 5xx, later ones succeed on new connections, and every message answered 202 is
 * delivered.
 */
const pgUp = await postgresAvailable();

describe('PostgreSQL connections cut under load', { skip: pgUp ? false : 'PostgreSQL is not available' }, () => {
  it('keeps the process up, answers 5xx for what failed, and delivers every accepted message', { timeout: 90_000 }, async () => {
    const db = await createPostgresDatabase();
    const dbName = new URL(db.url).pathname.slice(1);
    const dataDir = mkdtempSync(join(tmpdir(), 'rebound-pgcut-'));
    const child = spawn(process.execPath, ['bin/rebound.js', 'serve', '--role', 'all'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env, REBOUND_DATABASE_URL: db.url, REBOUND_ADMIN_TOKEN: ADMIN, REBOUND_SECRET_KEY: TEST_SECRET,
        REBOUND_HTTP_PORT: '0', REBOUND_SMTP_PORT: '0', REBOUND_DATA_DIR: dataDir, REBOUND_LOG_LEVEL: 'warn',
        REBOUND_WORKER_POLL_MS: '50', REBOUND_RETRY_BASE_SECONDS: '1', REBOUND_RETRY_MAX_SECONDS: '2',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    let exited: number | null | undefined;
    child.on('exit', (code) => { exited = code; });
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /HTTP API\s+(http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      const call = async (method: string, path: string, token: string, body?: unknown) => {
        const res = await fetch(baseUrl + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
        return { status: res.status, body: await res.json() as any };
      };
      const key = (await call('POST', '/v1/tenants', ADMIN, { name: 'Hotel Failover', notificationEmail: 'rezeption@hotel.example.com' })).body.apiKey as string;
      await admin.connect();

      const TOTAL = 1200;
      const accepted: string[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      let answered = 0;
      const load = Promise.all(Array.from({ length: 40 }, async () => {
        while (next < TOTAL) {
          const i = next++;
          const r = await call('POST', '/v1/messages', key, { to: `guest-${i}@example.net`, subject: `Buchung ${i}`, text: 'Wir freuen uns auf Sie.' });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 202) accepted.push(r.body.id);
          else assert.ok(r.status >= 500, `a cut connection is a server error, not ${r.status} ${JSON.stringify(r.body)}`);
          answered++;
        }
      }));
      // Cut every connection of the database twice while requests and deliveries are running.
      for (const mark of [TOTAL / 4, TOTAL / 2]) {
        await eventually(async () => answered >= mark, 30_000, `${mark} answers`);
        const cut = await admin.query('select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
        assert.ok(Number(cut.rows[0].n) > 0, 'connections were cut');
      }
      await load;
      assert.equal(exited, undefined, `the process is still running: ${err}`);
      assert.ok(accepted.length > TOTAL / 2, `most requests succeeded: ${JSON.stringify([...statuses])}`);

      // New connections serve what comes next, and everything accepted is delivered (capture mailbox).
      assert.equal((await call('POST', '/v1/messages', key, { to: 'after@example.net', subject: 'Danach', text: 'x' })).status, 202);
      await eventually(async () => (await call('GET', '/readyz', ADMIN)).status === 200, 10_000, 'ready again');
      await eventually(async () => {
        for (const id of accepted.slice()) {
          const m = await call('GET', `/v1/messages/${id}`, key);
          if (m.body.status !== 'sent') return false;
          accepted.splice(accepted.indexOf(id), 1);
        }
        return true;
      }, 60_000, 'every accepted message delivered');
      assert.match(err, /PostgreSQL connection lost/, 'the operator is told');
    } finally {
      await admin.end().catch(() => {});
      const stopped = new Promise((r) => { if (exited !== undefined) r(null); else child.once('exit', r); });
      child.kill('SIGTERM');
      await stopped;
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
