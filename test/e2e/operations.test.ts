import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startRebound, eventually, ADMIN, type TestInstance } from '../helpers/rebound.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { applyRetention } from '../../src/app/retention.ts';
import { rawConnection, tenantPost } from '../helpers/raw-http.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';
const GUEST = 'Anna.Gast@example.net';
const OTHER = 'other@example.net';
const REJECTED = 'nobody@example.net';

for (const db of await databaseKinds()) {
  describe(`operations and data protection on ${db}`, () => {
    let sink: SmtpSink;
    let rebound: TestInstance;
    let apiKey: string;

    before(async () => {
      sink = await startSmtpSink({ rcptVerdict: (a) => (a === REJECTED ? { code: 550, message: `5.1.1 <${REJECTED}>: Recipient address rejected: User unknown` } : null) });
      rebound = await startRebound({ db, env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_METRICS_TOKEN: METRICS_TOKEN } });
      const created = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Seeblick', notificationEmail: 'rezeption@hotel.example.com' } });
      assert.equal(created.status, 201);
      apiKey = created.body.apiKey;
    });

    after(async () => {
      await rebound?.destroy();
      await sink?.close();
    });

    it('answers /readyz with 200 and every check ok while serving', async () => {
      const res = await rebound.api('GET', '/readyz');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { status: 'ready', checks: { database: 'ok', migrations: 'ok', http: 'ok', smtp: 'ok', worker: 'ok' } });
    });

    it('refuses /metrics without the metrics token and serves Prometheus text with it', async () => {
      assert.equal((await rebound.api('GET', '/metrics')).status, 401);
      assert.equal((await rebound.api('GET', '/metrics', { token: 'wrong-token-wrong-token' })).status, 401);
      for (const to of [GUEST, REJECTED]) {
        const sent = await rebound.api('POST', '/v1/messages', { token: apiKey, body: { to, subject: 'Ihre Rechnung', text: 'Anbei.' } });
        assert.equal(sent.status, 202);
      }
      await eventually(async () => sink.mails.filter((m) => m.to.includes('rezeption@hotel.example.com')).length >= 1 && sink.mails.length >= 2, 10_000, 'delivery and notification');
      // The sink has the notification a moment before the worker marks it sent: scrape until settled.
      const { res, text } = await eventually(async () => {
        const r = await fetch(`${rebound.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        const t = await r.text();
        return /rebound_notification_backlog 0/.test(t) ? { res: r, text: t } : null;
      }, 10_000, 'the notification backlog to drain');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(text, /rebound_sends_total\{route="relay",result="accepted"\} [1-9]/);
      assert.match(text, /rebound_bounces_total\{reason="userunknown",source="smtp"\} 1/);
      assert.match(text, /rebound_queue_depth\{status="queued"\} 0/);
      assert.match(text, /rebound_queue_oldest_due_age_seconds 0/);
      assert.match(text, /rebound_notification_backlog 0/);
      assert.match(text, /rebound_delivery_latency_seconds_count\{route="relay"\} [1-9]/);
      assert.match(text, /rebound_http_request_duration_seconds_count\{method="POST",route="\/v1\/messages",status="202"\} 2/);
      assert.doesNotMatch(text, /@example\.net/, 'no guest address in any label');
    });

    it('keeps guest addresses, subjects and bodies out of the logs at info level', () => {
      const all = rebound.logs.join('');
      for (const secret of [GUEST, GUEST.toLowerCase(), REJECTED, 'Ihre Rechnung', 'Anbei.']) assert.ok(!all.includes(secret), `the log names ${secret}:\n${all}`);
    });

    it('removes bodies after the retention period and keeps metadata and events', async () => {
      const sent = await rebound.api('POST', '/v1/messages', { token: apiKey, body: { to: OTHER, subject: 'Alt', text: 'Alter Inhalt.' } });
      await eventually(async () => (await rebound.api('GET', `/v1/messages/${sent.body.id}`, { token: apiKey })).body.status === 'sent', 10_000, 'sent');
      const ctx = rebound.running.ctx;
      const later = { ...ctx, now: () => new Date(Date.now() + (ctx.config.retentionDays + 1) * 24 * 3600 * 1000) };
      const report = await applyRetention(later);
      assert.ok(report.contents >= 3, JSON.stringify(report));
      assert.ok(report.notificationBodies >= 1, JSON.stringify(report));
      const contents = await ctx.db.kysely.selectFrom('message_contents').select('message_id').execute();
      assert.equal(contents.length, 0);
      const message = await ctx.db.kysely.selectFrom('messages').selectAll().where('id', '=', sent.body.id).executeTakeFirstOrThrow();
      assert.ok(message.content_deleted_at);
      const view = await rebound.api('GET', `/v1/messages/${sent.body.id}`, { token: apiKey });
      assert.equal(view.body.status, 'sent');
      assert.ok(view.body.events?.length ?? view.body.timeline?.length, 'the timeline stays');
      assert.deepEqual(await applyRetention(later), { contents: 0, inboundBodies: 0, notificationBodies: 0, captured: 0 }, 'a second run finds nothing');
    });

    it('erases a guest for one hotel on DELETE /v1/guests/:address and reports what it removed', async () => {
      const sent = await rebound.api('POST', '/v1/messages', { token: apiKey, body: { to: GUEST, subject: 'Buchung für Anna Gast', text: 'Hallo Anna.' } });
      await eventually(async () => (await rebound.api('GET', `/v1/messages/${sent.body.id}`, { token: apiKey })).body.status === 'sent', 10_000, 'sent');
      const other = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Other', notificationEmail: 'o@hotel.example.com' } });
      const theirs = await rebound.api('POST', '/v1/messages', { token: other.body.apiKey, body: { to: GUEST, subject: 'Theirs', text: 'x' } });

      const res = await rebound.api('DELETE', `/v1/guests/${encodeURIComponent(GUEST.toUpperCase())}`, { token: apiKey });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.erased, true);
      assert.equal(res.body.removed.recipients, 2, 'both messages to the guest (case-insensitive)');
      assert.equal(res.body.removed.messages, 2);
      assert.equal(res.body.removed.contents, 1, 'the older content was already gone by retention');

      const ctx = rebound.running.ctx;
      const rows = await ctx.db.kysely.selectFrom('recipients').select(['address', 'tenant_id']).execute();
      const mine = rows.filter((r) => r.address.toLowerCase() === GUEST.toLowerCase());
      assert.equal(mine.length, 1, 'only the other hotel keeps its own row');
      assert.equal(mine[0]!.tenant_id, other.body.id);
      const view = await rebound.api('GET', `/v1/messages/${sent.body.id}`, { token: apiKey });
      assert.equal(view.body.subject, '[erased]');
      assert.ok(!JSON.stringify(view.body).toLowerCase().includes(GUEST.toLowerCase()), JSON.stringify(view.body));
      assert.ok(await ctx.db.kysely.selectFrom('message_contents').select('message_id').where('message_id', '=', theirs.body.id).executeTakeFirst(), 'the other hotel is untouched');

      const again = await rebound.api('DELETE', `/v1/guests/${encodeURIComponent(GUEST)}`, { token: apiKey });
      assert.equal(again.body.removed.recipients, 0, 'repeating it finds nothing');
      assert.equal((await rebound.api('DELETE', `/v1/guests/${encodeURIComponent(GUEST)}`, { token: ADMIN })).status, 403, 'a hotel key is required');
    });

    it('answers /readyz with 503 once it is stopping', async () => {
      rebound.running.ctx.listeners!.smtp = false;
      const res = await rebound.api('GET', '/readyz');
      assert.equal(res.status, 503);
      assert.equal(res.body.checks.smtp, 'down');
      rebound.running.ctx.listeners!.smtp = true;
    });
  });
}

describe('a worker process on REBOUND_OPS_PORT', () => {
  it('serves /healthz, /readyz and its own /metrics there, and nothing of the API', async () => {
    const sink = await startSmtpSink({});
    const relay = { REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_METRICS_TOKEN: METRICS_TOKEN };
    const api = await startRebound({ role: 'api', env: relay });
    // A second process's worth of Rebound on the same database: the worker role, with an operations port.
    const worker = await startRebound({ role: 'worker', databaseUrl: api.config.databaseUrl, dataDir: api.config.dataDir, cleanup: async () => {}, env: { ...relay, REBOUND_OPS_PORT: '0' } });
    try {
      assert.equal(api.running.opsPort, null, 'the API process serves these on its API port');
      const port = worker.running.opsPort;
      assert.ok(port, 'the worker listens on an operations port');
      const ops = `http://127.0.0.1:${port}`;
      const t = await api.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Ops', notificationEmail: 'rezeption@hotel.example.com' } });
      assert.equal((await api.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to: GUEST, subject: 'Rechnung', text: 'Anbei.' } })).status, 202);
      await eventually(async () => sink.mails.length >= 1, 10_000, 'the worker process to deliver');

      assert.equal((await fetch(`${ops}/healthz`)).status, 200);
      const ready = await fetch(`${ops}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual((await ready.json() as { checks: unknown }).checks, { database: 'ok', migrations: 'ok', worker: 'ok' });
      assert.equal((await fetch(`${ops}/metrics`)).status, 401);
      const text = await eventually(async () => {
        const t2 = await (await fetch(`${ops}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        return /rebound_sends_total\{route="relay",result="accepted"\} 1/.test(t2) ? t2 : null;
      }, 10_000, "the worker's send counter");
      assert.match(text, /rebound_delivery_latency_seconds_count\{route="relay"\} 1/);
      assert.equal((await fetch(`${ops}/v1/messages`, { method: 'POST' })).status, 404);
    } finally {
      await worker.destroy();
      await api.destroy();
      await sink.close();
    }
  });
});

describe('an API process that is shutting down', () => {
  it('refuses requests still arriving on open connections with 503 in the API\'s error shape, and closes them', async () => {
    const rebound = await startRebound({ env: { REBOUND_LOG_LEVEL: 'warn' } });
    const conn = await rawConnection(rebound.running.httpPort!);
    try {
      // A request under way when the shutdown begins (its body still to come) is served; the next one
      // on the same connection, sent after the shutdown began, is refused.
      const post = tenantPost(ADMIN, 'Hotel Abend');
      conn.write(post.head);
      await new Promise((r) => setTimeout(r, 100));
      const closing = rebound.running.http!.close();
      await new Promise((r) => setTimeout(r, 50));
      conn.write(post.body + 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await conn.closed;
      await closing;
      const responses = conn.received().split(/(?=HTTP\/1\.1 )/);
      assert.equal(responses.length, 2, conn.received());
      assert.match(responses[0]!, /^HTTP\/1\.1 201 /, 'the request under way is served');
      assert.match(responses[1]!, /^HTTP\/1\.1 503 /);
      assert.match(responses[1]!, /\r\nconnection: close\r\n/i);
      const refused = JSON.parse(responses[1]!.slice(responses[1]!.indexOf('\r\n\r\n') + 4));
      assert.equal(refused.error.code, 'REBOUND_ERR_UNAVAILABLE');
      assert.match(refused.error.message, /Shutting down/);
    } finally {
      conn.destroy();
      await rebound.destroy();
    }
  });

  it('ends a keep-alive connection whose request was still running once its response is out, instead of waiting for the keep-alive timeout', { timeout: 20_000 }, async () => {
    const rebound = await startRebound({ env: { REBOUND_LOG_LEVEL: 'warn' } });
    const conn = await rawConnection(rebound.running.httpPort!);
    try {
      const post = tenantPost(ADMIN, 'Hotel Spät');
      conn.write(post.head);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const closing = rebound.running.http!.close();
      await new Promise((r) => setTimeout(r, 100));
      conn.write(post.body); // then the client stays idle on its keep-alive connection
      const late = new Promise<'late'>((r) => setTimeout(() => r('late'), 5000).unref());
      assert.notEqual(await Promise.race([closing.then(() => 'closed' as const), late]), 'late', 'the server closed within 5 s');
      await conn.closed;
      assert.match(conn.received(), /^HTTP\/1\.1 201 /, 'the running request was served');
      assert.ok(Date.now() - started < 5000);
    } finally {
      conn.destroy();
      await rebound.destroy();
    }
  });
});
