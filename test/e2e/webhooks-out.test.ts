import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startRebound, eventually, ADMIN, type TestInstance } from '../helpers/rebound.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { verifyWebhook } from '../../src/adapters/webhooks-out/sign.ts';

const REJECTED = 'nobody@example.net';
const HOTEL = 'rezeption@alpenblick.example.com';

interface Receipt { id: string; type: string; messageId: string; recipient: string; status: string }

/** A PMS endpoint: verifies every post's signature, and answers 500 while told to fail. */
async function startReceiver() {
  const state = { secret: '', failNext: 0, down: false, posts: 0, badSignatures: 0, received: [] as Receipt[] };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    state.posts++;
    const verdict = verifyWebhook({ headers: req.headers, body, secret: state.secret });
    if (!verdict.ok) {
      state.badSignatures++;
      return res.writeHead(401).end(verdict.reason);
    }
    if (state.down || state.failNext > 0) {
      if (state.failNext > 0) state.failNext--;
      return res.writeHead(500, { 'content-type': 'text/plain' }).end('PMS is restarting');
    }
    const event = JSON.parse(body.toString('utf8'));
    state.received.push({ id: verdict.id, type: event.type, messageId: event.data.messageId, recipient: event.data.recipient, status: event.data.status });
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rebound-events`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

for (const db of await databaseKinds()) {
  describe(`outbound webhooks on ${db}`, () => {
    let relay: SmtpSink;
    let rebound: TestInstance;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let apiKey: string;
    let endpointId: string;

    const send = async (to: string[]) => {
      const res = await rebound.api('POST', '/v1/messages', { token: apiKey, body: { to, subject: 'Ihre Buchung', text: 'Bis bald.', reference: 'booking-1', metadata: { room: 12 } } });
      assert.equal(res.status, 202);
      return res.body.id as string;
    };
    const deliveries = async () => {
      const all: any[] = [];
      let cursor: string | null = null;
      do {
        const page: any = (await rebound.api('GET', `/v1/webhook-endpoints/${endpointId}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token: apiKey })).body;
        all.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return all.reverse();
    };
    /** Every event received exactly once, and per message in the order it was queued. */
    const assertExactlyOnceInOrder = async (messageIds: string[]) => {
      const queued = (await deliveries()).filter((d) => messageIds.includes(d.messageId));
      const ids = receiver.state.received.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'no event twice');
      for (const m of messageIds) {
        assert.deepEqual(receiver.state.received.filter((r) => r.messageId === m).map((r) => r.id), queued.filter((d) => d.messageId === m).map((d) => d.webhookId), `events of ${m} in order`);
      }
    };

    before(async () => {
      receiver = await startReceiver();
      relay = await startSmtpSink({ rcptVerdict: (a) => (a === REJECTED ? { code: 550, message: '5.1.1 User unknown' } : null) });
      rebound = await startRebound({
        db,
        env: {
          REBOUND_RELAY_URL: `smtp://127.0.0.1:${relay.port}`,
          REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          REBOUND_RETRY_BASE_SECONDS: '1',
          REBOUND_RETRY_MAX_SECONDS: '1',
        },
      });
      const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Alpenblick', notificationEmail: HOTEL } });
      apiKey = t.body.apiKey;
    });

    after(async () => {
      await rebound?.destroy();
      await relay?.close();
      await receiver?.close();
    });

    it('registers an endpoint and shows its whsec_ secret once', async () => {
      const res = await rebound.api('POST', '/v1/webhook-endpoints', { token: apiKey, body: { url: receiver.url, events: ['message.sent', 'message.bounced', 'message.suppressed', 'message.deferred'] } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(res.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      receiver.state.secret = res.body.secret;
      endpointId = res.body.id;
      const list = await rebound.api('GET', '/v1/webhook-endpoints', { token: apiKey });
      assert.equal(list.body.data.length, 1);
      assert.equal(list.body.data[0].secret, undefined, 'never shown again');
      assert.ok(!JSON.stringify(list.body).includes(res.body.secret.slice(6)));
    });

    it('posts every event exactly once, in order per message, after the receiver failed a few times', async () => {
      receiver.state.failNext = 3;
      const ids = [await send(['ok1@example.net', REJECTED]), await send(['ok2@example.net', REJECTED])];
      await eventually(async () => receiver.state.received.filter((r) => ids.includes(r.messageId)).length === 4, 20_000, 'four events received');
      assert.equal(receiver.state.badSignatures, 0, 'every post verifies');
      assert.ok(receiver.state.posts >= 7, 'the failed posts were retried');
      await assertExactlyOnceInOrder(ids);
      const got = receiver.state.received.filter((r) => r.messageId === ids[0]);
      assert.deepEqual(got.map((r) => `${r.type}:${r.recipient}:${r.status}`).sort(), [`message.bounced:${REJECTED}:bounced`, 'message.sent:ok1@example.net:sent']);
      const log = (await deliveries()).filter((d) => ids.includes(d.messageId));
      assert.ok(log.every((d) => d.status === 'delivered'));
      const retried = log.filter((d) => d.attempts > 1);
      assert.ok(retried.length >= 1, 'the log shows the retries');
      assert.equal(retried[0].log[0].statusCode, 500);
      assert.equal(retried[0].log[0].response, 'PMS is restarting');
      assert.deepEqual(log[0].payload.data.metadata, { room: 12 });
      assert.equal(log[0].payload.data.reference, 'booking-1');
    });

    it('posts message.suppressed for a recipient that is not attempted', async () => {
      const id = await send([REJECTED]);
      await eventually(async () => receiver.state.received.find((r) => r.messageId === id && r.type === 'message.suppressed'), 10_000, 'message.suppressed');
    });

    it('loses nothing across a restart while the receiver is down', async () => {
      receiver.state.down = true;
      const id = await send(['ok3@example.net']);
      await eventually(async () => (await deliveries()).find((d) => d.messageId === id && d.attempts >= 1), 10_000, 'a failed attempt');
      rebound = await rebound.restart();
      receiver.state.down = false;
      await eventually(async () => receiver.state.received.find((r) => r.messageId === id), 15_000, 'the event after the restart');
      await new Promise((r) => setTimeout(r, 300));
      await assertExactlyOnceInOrder([id]);
    });

    it('disables an endpoint that has failed for REBOUND_WEBHOOK_DISABLE_AFTER_HOURS and tells the hotel', async () => {
      receiver.state.down = true;
      // As if the endpoint had been failing for three days already.
      await rebound.running.ctx.db.kysely.updateTable('webhook_endpoints').set({ failing_since: new Date(Date.now() - 73 * 3600_000).toISOString() }).where('id', '=', endpointId).execute();
      const id = await send(['ok4@example.net']);
      const endpoint = await eventually(async () => {
        const e = (await rebound.api('GET', '/v1/webhook-endpoints', { token: apiKey })).body.data[0];
        return e.enabled ? null : e;
      }, 10_000, 'the endpoint disabled');
      assert.match(endpoint.disabledReason, /HTTP 500/);
      const mail = await eventually(async () => relay.mails.find((m) => m.to.includes(HOTEL) && m.raw.toString().includes('Webhook-Endpunkt deaktiviert')), 10_000, 'the mail to the hotel');
      const parsed = await simpleParser(mail.raw);
      assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
      assert.ok(parsed.text!.includes(endpointId) && parsed.text!.includes(receiver.url), parsed.text);
      const postsWhileDisabled = receiver.state.posts;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(receiver.state.posts, postsWhileDisabled, 'no more posts to a disabled endpoint');
      receiver.state.down = false;
      const enabled = await rebound.api('PATCH', `/v1/webhook-endpoints/${endpointId}`, { token: apiKey, body: { enabled: true } });
      assert.equal(enabled.body.enabled, true);
      await eventually(async () => receiver.state.received.find((r) => r.messageId === id), 10_000, 'the queued event after re-enabling');
    });

    it('removes an endpoint and keeps one hotel from another hotel\'s endpoints', async () => {
      const other = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Gasthof Post', notificationEmail: 'info@gasthof.example.com' } });
      assert.equal((await rebound.api('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`, { token: other.body.apiKey })).status, 404);
      assert.equal((await rebound.api('DELETE', `/v1/webhook-endpoints/${endpointId}`, { token: other.body.apiKey })).status, 404);
      assert.equal((await rebound.api('DELETE', `/v1/webhook-endpoints/${endpointId}`, { token: apiKey })).status, 204);
      assert.deepEqual((await rebound.api('GET', '/v1/webhook-endpoints', { token: apiKey })).body.data, []);
    });
  });
}

describe('webhook endpoint registration without REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
  let rebound: TestInstance;
  let apiKey: string;
  before(async () => {
    rebound = await startRebound({ db: 'sqlite' });
    apiKey = (await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel', notificationEmail: 'h@example.com' } })).body.apiKey;
  });
  after(async () => rebound?.destroy());

  for (const url of ['http://127.0.0.1:8080/hook', 'http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/hook']) {
    it(`refuses ${url} as a private or loopback target`, async () => {
      const res = await rebound.api('POST', '/v1/webhook-endpoints', { token: apiKey, body: { url } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'REBOUND_ERR_WEBHOOK_TARGET_FORBIDDEN');
      assert.equal(res.body.error.field, 'url');
    });
  }

  it('refuses a URL that is not http or https', async () => {
    const res = await rebound.api('POST', '/v1/webhook-endpoints', { token: apiKey, body: { url: 'file:///etc/passwd' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'REBOUND_ERR_REQUEST_INVALID');
  });
});

describe('a webhook post that takes longer than REBOUND_LEASE_SECONDS', () => {
  it('keeps its lease renewed while it runs (one post, never a second at once), on a lease of REBOUND_LEASE_SECONDS', { timeout: 30_000 }, async () => {
    const posts: number[] = [];
    let answer: (() => void) | null = null;
    const server: Server = createServer(async (req, res) => {
      for await (const _ of req as AsyncIterable<Buffer>) { /* read the body */ }
      posts.push(Date.now());
      // The first post is held for 4 s, twice the lease.
      if (posts.length === 1) await new Promise<void>((r) => { answer = r; setTimeout(r, 4000); });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const rebound = await startRebound({ db: 'sqlite', env: { REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', REBOUND_LEASE_SECONDS: '2' } });
    try {
      const apiKey = (await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Langsam', notificationEmail: 'h@example.com' } })).body.apiKey;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
      assert.equal((await rebound.api('POST', '/v1/webhook-endpoints', { token: apiKey, body: { url, events: ['message.sent'] } })).status, 201);
      await rebound.api('POST', '/v1/messages', { token: apiKey, body: { to: 'guest@example.net', subject: 'Buchung', text: 'x' } });
      await eventually(async () => posts.length === 1, 10_000, 'the first post');
      await new Promise((r) => setTimeout(r, 3000)); // past the first lease
      const row = await rebound.running.ctx.db.kysely.selectFrom('webhook_deliveries').select(['lease_until', 'status']).executeTakeFirstOrThrow();
      const left = Date.parse(row.lease_until!) - Date.now();
      assert.ok(left > 0, `the lease was renewed while the post runs (${left} ms left)`);
      assert.ok(left <= 3500, `the lease is REBOUND_LEASE_SECONDS long, not minutes (${left} ms left)`);
      (answer as (() => void) | null)?.();
      await eventually(async () => (await rebound.running.ctx.db.kysely.selectFrom('webhook_deliveries').select('status').executeTakeFirstOrThrow()).status === 'delivered', 10_000, 'delivered');
      assert.equal(posts.length, 1, 'no second post while the first was running');
    } finally {
      await rebound.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
