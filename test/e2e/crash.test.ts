import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createPostgresDatabase, postgresAvailable } from '../helpers/databases.ts';
import { ADMIN, TEST_SECRET, eventually } from '../helpers/rebound.ts';
import { openDatabase, migrate, type Db } from '../../src/adapters/db/database.ts';
import { verifyWebhook } from '../../src/adapters/webhooks-out/sign.ts';

/**
 * Two worker processes and one API process on one PostgreSQL; one worker is SIGKILLed again and
 * again while it delivers and is restarted. Nothing accepted may be lost, duplicates (same
 * Message-ID) are bounded by what was in flight at each kill, every notification arrives once, and
 * every webhook event reaches the PMS (at least once, under its one webhook-id).
 *
 * Two hotels: one without a webhook endpoint (its sent outcomes take the batched one-statement path),
 * one with an endpoint (every outcome takes the general path and queues a webhook).
 */
const MESSAGES = 2000;
const REJECT_EVERY = 100;
/** Every fourth message is the webhook hotel's; each hotel has guests that are rejected. */
const isWebhookHotel = (i: number) => i % 4 === 3;
const isRejected = (i: number) => i % REJECT_EVERY === 0 || i % REJECT_EVERY === 3;
const KILLS = 4;
const CONCURRENCY = 8;
/** A worker's delivery lanes (src/app/worker.ts): each holds at most one send the next hop accepted and the worker has not yet recorded. */
const LANES = 4 * CONCURRENCY;
const HOTEL = 'rezeption@hotel.example.com';
const HOTEL_WEBHOOK = 'front-desk@webhook-hotel.example.com';
const DOMAIN = 'notifications.example.com';

const pgUp = await postgresAvailable();
if (!pgUp) console.log('# crash test skipped: PostgreSQL does not answer (set REBOUND_TEST_POSTGRES_URL or start it; .ci/run does)');

describe('several processes on one PostgreSQL, with a worker killed mid-run', { skip: pgUp ? false : 'PostgreSQL is not available' }, () => {
  let sink: SmtpSink;
  let pg: { url: string; drop(): Promise<void> };
  let db: Db;
  let dataDir: string;
  const children = new Set<ChildProcess>();
  // The PMS: checks each post's signature and records it.
  const pms = { secret: '', badSignatures: 0, posts: [] as { webhookId: string; type: string; messageId: string }[] };
  let pmsServer: Server;
  let pmsUrl: string;

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
        REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
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
    pmsServer = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
      const body = Buffer.concat(chunks);
      const verdict = verifyWebhook({ headers: req.headers, body, secret: pms.secret });
      if (!verdict.ok) { pms.badSignatures++; res.writeHead(401).end(); return; }
      const event = JSON.parse(body.toString('utf8'));
      pms.posts.push({ webhookId: verdict.id, type: event.type, messageId: event.data.messageId });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => pmsServer.listen(0, '127.0.0.1', r));
    pmsUrl = `http://127.0.0.1:${(pmsServer.address() as AddressInfo).port}/rebound`;
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
    pmsServer?.closeAllConnections();
    pmsServer?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every message, sends every notification once and every webhook event, with duplicates bounded by the kills', { timeout: 120_000 }, async () => {
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
    const webhookTenant = await post('/v1/tenants', ADMIN, { name: 'Hotel Webhook', notificationEmail: HOTEL_WEBHOOK, language: 'en' });
    assert.equal(webhookTenant.status, 201);
    const endpoint = await post('/v1/webhook-endpoints', webhookTenant.body.apiKey, { url: pmsUrl, events: ['message.sent', 'message.bounced'] });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    pms.secret = endpoint.body.secret;

    const addressOf = (i: number) => (isRejected(i) ? `reject-${i}@example.net` : `guest-${i}@example.net`);
    const isHotel = (to: string | undefined) => to === HOTEL || to === HOTEL_WEBHOOK;
    const guestMails = () => sink.mails.filter((m) => !isHotel(m.to[0]));

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
        const key = isWebhookHotel(i) ? webhookTenant.body.apiKey : tenant.body.apiKey;
        const r = await post('/v1/messages', key, { to: addressOf(i), subject: `Booking ${i}`, text: `Message ${i}` });
        assert.equal(r.status, 202);
        ids[i] = r.body.id;
      }
    }));
    await killer;
    assert.equal(kills, KILLS, 'the worker was killed mid-run each time');

    const indices = Array.from({ length: MESSAGES }, (_, i) => i);
    const rejected = indices.filter(isRejected).length;
    const webhookMessages = indices.filter(isWebhookHotel);
    await eventually(async () => {
      const open = await db.kysely.selectFrom('recipients').select((eb) => eb.fn.countAll().as('n')).where('status', 'in', ['queued', 'deferred']).executeTakeFirst();
      const pending = await db.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst();
      const notified = await db.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      const hooks = await db.kysely.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'delivered').executeTakeFirst();
      return Number(open?.n) === 0 && Number(pending?.n) === 0 && Number(notified?.n) === rejected && Number(hooks?.n) === webhookMessages.length;
    }, 60_000, 'every recipient settled, every notification sent and every webhook delivered');

    const messageIdOf = (raw: Buffer) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('latin1'))?.[1] ?? null;
    const delivered = guestMails().map((m) => messageIdOf(m.raw));
    const distinct = new Set(delivered);
    assert.equal(distinct.size, MESSAGES - rejected, 'every accepted message reached the sink');
    for (let i = 0; i < MESSAGES; i++) {
      if (!isRejected(i)) assert.ok(distinct.has(`<${ids[i]}@${DOMAIN}>`), `message ${i} arrived`);
    }
    const duplicates = delivered.length - distinct.size;
    console.log(`# crash test: ${kills} kills, ${delivered.length} deliveries of ${distinct.size} messages, ${duplicates} duplicates (bound ${LANES * kills})`);
    assert.ok(duplicates <= LANES * kills, `${duplicates} duplicates exceed the worker's lanes × kills = ${LANES * kills}`);

    const statuses = await db.kysely.selectFrom('recipients').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute();
    assert.deepEqual(Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])), { sent: MESSAGES - rejected, bounced: rejected });

    const notifications = await db.kysely.selectFrom('notifications').innerJoin('recipients', 'recipients.id', 'notifications.recipient_id')
      .select(['notifications.id', 'recipients.address']).execute();
    assert.equal(notifications.length, rejected, 'one notification row per rejected guest');
    const hotelMails = sink.mails.filter((m) => isHotel(m.to[0])).map((m) => messageIdOf(m.raw));
    for (const n of notifications) {
      assert.ok(n.address.startsWith('reject-'));
      assert.equal(hotelMails.filter((id) => id === `<${n.id}@${DOMAIN}>`).length, 1, `the notification about ${n.address} arrived exactly once`);
    }
    assert.equal(hotelMails.length, rejected, 'no other notifications');
    assert.equal(sink.mails.filter((m) => m.to[0] === HOTEL_WEBHOOK).length, webhookMessages.filter(isRejected).length, 'each hotel is told about its own guests');

    // Webhooks: each of the webhook hotel's messages has one event (one webhook-id) of the right type at
    // the PMS; a post repeated after a kill carries the same webhook-id, and such repeats are bounded.
    assert.equal(pms.badSignatures, 0, 'every post verifies');
    const byMessage = new Map<string, Set<string>>();
    for (const p of pms.posts) {
      const set = byMessage.get(p.messageId) ?? new Set<string>();
      set.add(`${p.webhookId} ${p.type}`);
      byMessage.set(p.messageId, set);
    }
    for (const i of webhookMessages) {
      assert.deepEqual([...(byMessage.get(ids[i]!) ?? [])].map((e) => e.split(' ')[1]), [isRejected(i) ? 'message.bounced' : 'message.sent'], `the webhook event of message ${i}`);
    }
    assert.equal(byMessage.size, webhookMessages.length, 'no events for the other hotel');
    const repeatedPosts = pms.posts.length - new Set(pms.posts.map((p) => p.webhookId)).size;
    console.log(`# crash test: ${pms.posts.length} webhook posts of ${webhookMessages.length} events, ${repeatedPosts} repeated`);
    // A worker posts at most 8 webhooks at once (src/app/deliver-webhooks.ts): those are what a kill can repeat.
    assert.ok(repeatedPosts <= 8 * kills, `${repeatedPosts} repeated webhook posts exceed 8 × kills = ${8 * kills}`);

    // SIGTERM drains and exits 0.
    const exits = [...children].map((c) => new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
    for (const c of children) c.kill('SIGTERM');
    assert.deepEqual(await Promise.all(exits), exits.map(() => 0), 'every process exits 0 on SIGTERM');
  });
});
