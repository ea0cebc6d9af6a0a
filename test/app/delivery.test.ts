import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { startRebound, ADMIN, eventually, type TestInstance } from '../helpers/rebound.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

const HOTEL = 'front-desk@hotel.example.com';

async function setup(sinkOpts: Parameters<typeof startSmtpSink>[0], env: Record<string, string> = {}) {
  const sink = await startSmtpSink(sinkOpts);
  const rebound = await startRebound({ env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_RETRY_BASE_SECONDS: '1', REBOUND_RETRY_MAX_SECONDS: '1', ...env } });
  const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Post', notificationEmail: HOTEL, language: 'en' } });
  return { sink, rebound, key: t.body.apiKey as string };
}

describe('delivery through the relay', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => { for (const c of cleanups) await c(); });

  it('retries a temporary 451 with backoff and then delivers', async () => {
    let refusals = 2;
    const { sink, rebound, key } = await setup({
      rcptVerdict: (a) => (a === 'later@example.net' && refusals-- > 0 ? { code: 451, message: '4.7.1 Greylisted, please try again later' } : null),
    });
    cleanups.push(() => rebound.destroy(), () => sink.close());
    const r = await rebound.api('POST', '/v1/messages', { token: key, body: { to: 'later@example.net', subject: 'Willkommen', text: 'Hallo' } });
    const msg = await eventually(async () => {
      const m = await rebound.api('GET', `/v1/messages/${r.body.id}`, { token: key });
      return m.body.status === 'sent' ? m.body : null;
    }, 15_000, 'delivery after greylisting');
    const deferred = msg.events.filter((e: any) => e.type === 'deferred');
    assert.equal(deferred.length, 2);
    assert.equal(deferred[0].diagnostic, '451 4.7.1 Greylisted, please try again later');
    assert.equal(msg.recipients[0].attempts, 3);
    assert.equal(sink.mails.filter((m) => m.to.includes(HOTEL)).length, 0, 'no notification for a recovered deferral');
  });

  it('gives up after the maximum retry age, as "expired", and tells the hotel once with the last error', async () => {
    const { sink, rebound, key } = await setup(
      { rcptVerdict: (a) => (a === 'never@example.net' ? { code: 452, message: '4.2.2 Mailbox temporarily over quota' } : null) },
      { REBOUND_MAX_RETRY_AGE_SECONDS: '2' },
    );
    cleanups.push(() => rebound.destroy(), () => sink.close());
    const r = await rebound.api('POST', '/v1/messages', { token: key, body: { to: 'never@example.net', subject: 'Reminder', text: 'x' } });
    const msg = await eventually(async () => {
      const m = await rebound.api('GET', `/v1/messages/${r.body.id}`, { token: key });
      return m.body.status === 'bounced' ? m.body : null;
    }, 20_000, 'expiry');
    assert.equal(msg.recipients[0].reason, 'expired');
    assert.equal(msg.recipients[0].diagnostic, '452 4.2.2 Mailbox temporarily over quota');
    const notes = await sink.waitFor(1);
    const n = notes.filter((m) => m.to.includes(HOTEL));
    assert.equal(n.length, 1);
    const parsed = await simpleParser(n[0]!.raw);
    assert.equal(parsed.subject, 'Email message could not be delivered');
    assert.ok(parsed.text!.includes('452 4.2.2 Mailbox temporarily over quota'));
  });

  it('treats a DATA rejection as final for the recipient', async () => {
    const { sink, rebound, key } = await setup({
      serverOptions: {
        onData(stream, _s, cb) {
          stream.resume();
          stream.on('end', () => { const e = new Error('5.7.1 Message rejected due to content restrictions') as Error & { responseCode: number }; e.responseCode = 554; cb(e); });
        },
      },
    });
    cleanups.push(() => rebound.destroy(), () => sink.close());
    const r = await rebound.api('POST', '/v1/messages', { token: key, body: { to: 'content@example.net', subject: 'Angebot', text: 'x' } });
    const msg = await eventually(async () => {
      const m = await rebound.api('GET', `/v1/messages/${r.body.id}`, { token: key });
      return m.body.status === 'bounced' ? m.body : null;
    }, 10_000, 'DATA rejection');
    assert.equal(msg.recipients[0].replyCode, '554');
    assert.equal(msg.recipients[0].statusCode, '5.7.1');
    assert.equal(msg.recipients[0].diagnostic, '554 5.7.1 Message rejected due to content restrictions');
  });

  it('defers, and never bounces the guest, while the relay is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const rebound = await startRebound({ env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${port}`, REBOUND_RETRY_BASE_SECONDS: '1', REBOUND_RETRY_MAX_SECONDS: '1' } });
    cleanups.push(() => rebound.destroy());
    const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel', notificationEmail: HOTEL } });
    const r = await rebound.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to: 'g@example.net', subject: 's', text: 'x' } });
    const msg = await eventually(async () => {
      const m = await rebound.api('GET', `/v1/messages/${r.body.id}`, { token: t.body.apiKey });
      return m.body.recipients[0].attempts >= 2 ? m.body : null;
    }, 15_000, 'two attempts');
    assert.equal(msg.status, 'deferred');
    assert.equal(msg.recipients[0].reason, 'networkerror');
    assert.match(msg.recipients[0].diagnostic, /ECONNREFUSED|connect/i);
    // Loud for the operator (warn), without the guest's address.
    const warned = rebound.logs.filter((l) => /next hop not reachable/.test(l));
    assert.ok(warned.length >= 1, 'a warning in the log');
    assert.ok(warned.every((l) => JSON.parse(l).level === 40 && !l.includes('g@example.net')));
  });

  it('keeps delivering while one send hangs at the relay (no reply after DATA)', async () => {
    const received: string[] = [];
    let release: (() => void) | null = null;
    const server = new SMTPServer({
      logger: false, disableReverseLookup: true, disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true,
      onData(stream, session, cb) {
        stream.resume();
        stream.on('end', () => {
          const to = session.envelope.rcptTo[0]!.address;
          if (to === 'slow@example.net') { release = () => cb(); return; } // the relay never answers this one
          received.push(to);
          cb();
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const rebound = await startRebound({ env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${(server.server.address() as { port: number }).port}`, REBOUND_DRAIN_SECONDS: '1' } });
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    let restarted: TestInstance | null = null;
    try {
      const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel', notificationEmail: HOTEL } });
      const slow = await rebound.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to: 'slow@example.net', subject: 's', text: 'x' } });
      await eventually(async () => release !== null, 10_000, 'the slow send to hang');
      for (const to of ['next-1@example.net', 'next-2@example.net']) await rebound.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to, subject: 's', text: 'x' } });
      await eventually(async () => received.length === 2, 5_000, 'the next messages while the first still hangs');
      assert.equal((await rebound.api('GET', `/v1/messages/${slow.body.id}`, { token: t.body.apiKey })).body.status, 'queued');
      // SIGTERM while it still hangs: after REBOUND_DRAIN_SECONDS the connection is cut, the attempt
      // recorded as deferred (retried later), and the process stops — not after the socket timeout.
      const t0 = Date.now();
      restarted = await rebound.restart();
      assert.ok(Date.now() - t0 < 10_000, `stopped after ${Date.now() - t0} ms`);
      const after = (await restarted.api('GET', `/v1/messages/${slow.body.id}`, { token: t.body.apiKey })).body;
      assert.equal(after.status, 'deferred');
    } finally {
      (release as (() => void) | null)?.();
      await (restarted ?? rebound).destroy();
    }
  });
});
