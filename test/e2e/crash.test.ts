import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createPostgresDatabase, postgresAvailable } from '../helpers/databases.ts';
import { ADMIN, TEST_SECRET, eventually } from '../helpers/rebound.ts';
import { openDatabase, migrate, type Db } from '../../src/adapters/db/database.ts';

/**
 * Two worker processes and one API process on one PostgreSQL; one worker is SIGKILLed again and
 * again while it delivers and is restarted. Nothing accepted may be lost, duplicates (same
 * Message-ID) are bounded by what was in flight at each kill, and every notification arrives once.
 */
const MESSAGES = 2000;
const REJECT_EVERY = 100;
const KILLS = 4;
const CONCURRENCY = 8;
const HOTEL = 'rezeption@hotel.example.com';
const DOMAIN = 'notifications.example.com';

const pgUp = await postgresAvailable();
if (!pgUp) console.log('# crash test skipped: PostgreSQL does not answer (set REBOUND_TEST_POSTGRES_URL or start it; .ci/run does)');

describe('several processes on one PostgreSQL, with a worker killed mid-run', { skip: pgUp ? false : 'PostgreSQL is not available' }, () => {
  let sink: SmtpSink;
  let pg: { url: string; drop(): Promise<void> };
  let db: Db;
  let dataDir: string;
  const children = new Set<ChildProcess>();

  function spawnRebound(role: 'api' | 'worker'): { child: ChildProcess; ready: Promise<string> } {
    const child = spawn(process.execPath, ['bin/rebound.js', 'serve', '--role', role], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        REBOUND_DATABASE_URL: pg.url,
        REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`,
        REBOUND_LEASE_SECONDS: '2',
        REBOUND_WORKER_POLL_MS: '50',
        REBOUND_WORKER_CONCURRENCY: String(CONCURRENCY),
        REBOUND_ADMIN_TOKEN: ADMIN,
        REBOUND_SECRET_KEY: TEST_SECRET,
        REBOUND_NOTIFICATIONS_DOMAIN: DOMAIN,
        REBOUND_HTTP_PORT: '0',
        REBOUND_SMTP_PORT: '0',
        REBOUND_DATA_DIR: dataDir,
        REBOUND_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let err = '';
    const ready = new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /HTTP API\s+(http:\/\/\S+)/.exec(err);
        if (role === 'api' && m) resolve(m[1]!);
        if (role === 'worker' && err.includes('Rebound is running')) resolve('');
      });
      child.on('exit', (code) => reject(new Error(`rebound ${role} exited with ${code} before it was ready:\n${err}`)));
    });
    ready.catch(() => {});
    return { child, ready };
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rebound-crash-'));
    sink = await startSmtpSink({ rcptVerdict: (a) => (a.startsWith('reject-') ? { code: 550, message: `5.1.1 <${a}>: Recipient address rejected: User unknown` } : null) });
    pg = await createPostgresDatabase();
    db = await openDatabase(pg.url);
    // Migrated once here, so the processes start on a ready schema.
    await migrate(db);
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await db?.close();
    await pg?.drop();
    await sink?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every message and sends every notification once, with duplicates bounded by the kills', { timeout: 90_000 }, async () => {
    const api = spawnRebound('api');
    let workerA = spawnRebound('worker');
    const workerB = spawnRebound('worker');
    const baseUrl = await api.ready;
    await Promise.all([workerA.ready, workerB.ready]);

    const post = async (path: string, token: string, body: unknown) => {
      const res = await fetch(baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as any };
    };
    const tenant = await post('/v1/tenants', ADMIN, { name: 'Hotel Crash', notificationEmail: HOTEL, language: 'en' });
    assert.equal(tenant.status, 201);

    const addressOf = (i: number) => (i % REJECT_EVERY === 0 ? `reject-${i}@example.net` : `guest-${i}@example.net`);
    const guestMails = () => sink.mails.filter((m) => m.to[0] !== HOTEL);

    // The killer: SIGKILL worker A whenever the sink has passed the next mark, restart it at once.
    const marks = Array.from({ length: KILLS }, (_, k) => Math.floor(((k + 1) * MESSAGES) / (KILLS + 2)));
    let kills = 0;
    const killer = (async () => {
      for (const mark of marks) {
        await eventually(async () => guestMails().length >= mark, 60_000, `${mark} deliveries`);
        workerA.child.kill('SIGKILL');
        kills++;
        await new Promise((r) => workerA.child.once('exit', r));
        workerA = spawnRebound('worker');
        await workerA.ready;
      }
    })();

    let next = 0;
    const ids: string[] = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        const r = await post('/v1/messages', tenant.body.apiKey, { to: addressOf(i), subject: `Booking ${i}`, text: `Message ${i}` });
        assert.equal(r.status, 202);
        ids[i] = r.body.id;
      }
    }));
    await killer;
    assert.equal(kills, KILLS, 'the worker was killed mid-run each time');

    const rejected = Math.ceil(MESSAGES / REJECT_EVERY);
    await eventually(async () => {
      const open = await db.kysely.selectFrom('recipients').select((eb) => eb.fn.countAll().as('n')).where('status', 'in', ['queued', 'deferred']).executeTakeFirst();
      const pending = await db.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst();
      const notified = await db.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return Number(open?.n) === 0 && Number(pending?.n) === 0 && Number(notified?.n) === rejected;
    }, 60_000, 'every recipient settled and every notification sent');

    const messageIdOf = (raw: Buffer) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('latin1'))?.[1] ?? null;
    const delivered = guestMails().map((m) => messageIdOf(m.raw));
    const distinct = new Set(delivered);
    assert.equal(distinct.size, MESSAGES - rejected, 'every accepted message reached the sink');
    for (let i = 0; i < MESSAGES; i++) {
      if (i % REJECT_EVERY !== 0) assert.ok(distinct.has(`<${ids[i]}@${DOMAIN}>`), `message ${i} arrived`);
    }
    const duplicates = delivered.length - distinct.size;
    console.log(`# crash test: ${kills} kills, ${delivered.length} deliveries of ${distinct.size} messages, ${duplicates} duplicates (bound ${CONCURRENCY * kills})`);
    assert.ok(duplicates <= CONCURRENCY * kills, `${duplicates} duplicates exceed worker concurrency × kills = ${CONCURRENCY * kills}`);

    const statuses = await db.kysely.selectFrom('recipients').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute();
    assert.deepEqual(Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])), { sent: MESSAGES - rejected, bounced: rejected });

    const notifications = await db.kysely.selectFrom('notifications').innerJoin('recipients', 'recipients.id', 'notifications.recipient_id')
      .select(['notifications.id', 'recipients.address']).execute();
    assert.equal(notifications.length, rejected, 'one notification row per rejected guest');
    const hotelMails = sink.mails.filter((m) => m.to[0] === HOTEL).map((m) => messageIdOf(m.raw));
    for (const n of notifications) {
      assert.ok(n.address.startsWith('reject-'));
      assert.equal(hotelMails.filter((id) => id === `<${n.id}@${DOMAIN}>`).length, 1, `the notification about ${n.address} arrived exactly once`);
    }
    assert.equal(hotelMails.length, rejected, 'no other notifications');

    // SIGTERM drains and exits 0.
    const exits = [...children].map((c) => new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
    for (const c of children) c.kill('SIGTERM');
    assert.deepEqual(await Promise.all(exits), exits.map(() => 0), 'every process exits 0 on SIGTERM');
  });
});
