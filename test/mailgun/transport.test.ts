import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MailgunTransport, mailgunOrigin, MAILGUN_REGION_ORIGINS } from '../../src/adapters/transports/mailgun.ts';
import { RouteConfigurationError, type OutboundMail } from '../../src/adapters/transports/types.ts';
import { startFakeMailgun, type FakeMailgun } from '../fakes/mailgun-server.ts';

const MIME = [
  'From: Hotel Seeblick <reservierung@hotel-seeblick.example.com>',
  'To: Erika Mustermann <erika@example.com>',
  'Subject: =?utf-8?q?Ihre_Buchungsbest=C3=A4tigung?=',
  'Message-ID: <m_42.1700000000@notifications.example.com>',
  'Auto-Submitted: no',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Guten Tag Frau Mustermann, wir freuen uns auf Ihren Besuch. Grüße, Ihr Hotel Seeblick',
  '',
].join('\r\n');

function mail(overrides: Partial<OutboundMail> = {}): OutboundMail {
  return {
    envelopeFrom: 'bounces+r_1-0123456789abcdef@notifications.example.com',
    envelopeTo: ['erika@example.com'],
    raw: Buffer.from(MIME, 'utf8'),
    messageId: '<m_42.1700000000@notifications.example.com>',
    reference: 'r_1',
    ...overrides,
  };
}

async function withFake(fn: (fake: FakeMailgun, transport: MailgunTransport) => Promise<void>, opts: { timeoutMs?: number } = {}) {
  const fake = await startFakeMailgun({ domain: 'mg.example.com' });
  const transport = new MailgunTransport({ apiKey: fake.apiKey, domain: fake.domain, region: 'eu', baseUrl: fake.url, timeoutMs: opts.timeoutMs });
  try {
    await fn(fake, transport);
  } finally {
    await transport.close();
    await fake.close();
  }
}

test('the region picks the documented API origin and a base URL overrides it', () => {
  assert.equal(mailgunOrigin('eu'), 'https://api.eu.mailgun.net');
  assert.equal(mailgunOrigin('us'), 'https://api.mailgun.net');
  assert.equal(mailgunOrigin('us', 'http://127.0.0.1:9999/ignored/path'), 'http://127.0.0.1:9999');
  assert.deepEqual(MAILGUN_REGION_ORIGINS, { eu: 'https://api.eu.mailgun.net', us: 'https://api.mailgun.net' });
  assert.throws(() => mailgunOrigin('eu', 'ftp://example.com'), /http/);
  assert.throws(() => new MailgunTransport({ apiKey: '', domain: 'mg.example.com' }), /API key/);
});

test('an accepted message is posted as the complete MIME file with the recipients and only the opaque reference', async () => {
  await withFake(async (fake, transport) => {
    const result = await transport.send(mail({ envelopeTo: ['erika@example.com', 'max@example.com'] }));
    assert.equal(fake.received.length, 1);
    const got = fake.received[0]!;
    assert.deepEqual(got.to, ['erika@example.com', 'max@example.com']);
    assert.equal(got.mime.toString('utf8'), MIME, 'the MIME bytes arrive unchanged');
    assert.equal(got.messageId, '<m_42.1700000000@notifications.example.com>');
    assert.deepEqual(got.variables, { 'rebound-ref': 'r_1' });
    assert.deepEqual(got.options, {}, 'no other variables, headers or options are sent');
    assert.equal(result.remoteId, got.id);
    assert.match(result.remoteId!, /^<\d{14}\.[0-9A-F]{16}@mg\.example\.com>$/);
    assert.equal(result.remoteMta, new URL(fake.url).host);
    assert.deepEqual(result.recipients.map((r) => [r.address, r.result, r.replyCode, r.response]), [
      ['erika@example.com', 'accepted', '200', 'Queued. Thank you.'],
      ['max@example.com', 'accepted', '200', 'Queued. Thank you.'],
    ]);
  });
});

test('a wrong API key is a loud route configuration error, not a guest failure', async () => {
  const fake = await startFakeMailgun();
  try {
    const transport = new MailgunTransport({ apiKey: 'key-wrong', domain: fake.domain, baseUrl: fake.url });
    await assert.rejects(transport.send(mail()), (e: unknown) => {
      assert.ok(e instanceof RouteConfigurationError);
      assert.equal(e.code, 'REBOUND_ERR_ROUTE_CONFIGURATION');
      assert.match(e.message, /HTTP 401/);
      assert.equal(e.detail, 'Forbidden');
      return true;
    });
    assert.equal(fake.received.length, 0);
  } finally {
    await fake.close();
  }
});

test('403 and an unknown domain (wrong region) are route configuration errors too', async () => {
  await withFake(async (fake, transport) => {
    fake.failNext(403);
    await assert.rejects(transport.send(mail()), RouteConfigurationError);
    const wrongDomain = new MailgunTransport({ apiKey: fake.apiKey, domain: 'other.example.com', baseUrl: fake.url });
    await assert.rejects(wrongDomain.send(mail()), (e: unknown) => e instanceof RouteConfigurationError && /Domain not found: other\.example\.com/.test(e.detail ?? ''));
  });
});

test('400 is a final failure carrying Mailgun\'s text verbatim', async () => {
  await withFake(async (fake, transport) => {
    fake.failNext(400);
    const result = await transport.send(mail());
    assert.deepEqual(result.recipients.map((r) => [r.result, r.replyCode, r.response]), [
      ['failed', '400', "'to' parameter is not a valid address. please check documentation"],
    ]);
    assert.equal(result.remoteId, null);
  });
});

test('429 and 5xx answers defer the message, keeping Retry-After', async () => {
  await withFake(async (fake, transport) => {
    fake.failNext(429, 1, { retryAfter: '17' });
    fake.failNext(500);
    fake.failNext(502);
    fake.failNext(503);
    const limited = await transport.send(mail());
    assert.deepEqual([limited.recipients[0]!.result, limited.recipients[0]!.replyCode, limited.recipients[0]!.response, limited.retryAfterSeconds], ['deferred', '429', 'Too many requests', 17]);
    for (const code of ['500', '502', '503']) {
      const r = await transport.send(mail());
      assert.deepEqual([r.recipients[0]!.result, r.recipients[0]!.replyCode], ['deferred', code]);
    }
    const ok = await transport.send(mail());
    assert.equal(ok.recipients[0]!.result, 'accepted', 'the fake recovers after the planned failures');
    assert.equal(fake.received.length, 1);
  });
});

test('a failure repeated N times then success is what a retrying worker sees', async () => {
  await withFake(async (fake, transport) => {
    fake.failNext(500, 3);
    const results: string[] = [];
    for (let i = 0; i < 4; i++) results.push((await transport.send(mail())).recipients[0]!.result);
    assert.deepEqual(results, ['deferred', 'deferred', 'deferred', 'accepted']);
  });
});

test('a network error and a timeout defer with the local error as text', async () => {
  const fake = await startFakeMailgun();
  const url = fake.url;
  await fake.close();
  const refused = await new MailgunTransport({ apiKey: 'k', domain: 'mg.example.com', baseUrl: url }).send(mail());
  assert.equal(refused.recipients[0]!.result, 'deferred');
  assert.equal(refused.recipients[0]!.replyCode, null);
  assert.match(refused.recipients[0]!.response!, /ECONNREFUSED/);

  await withFake(async (f, transport) => {
    f.stallNext();
    const started = Date.now();
    const slow = await transport.send(mail());
    assert.equal(slow.recipients[0]!.result, 'deferred');
    assert.match(slow.recipients[0]!.response!, /in time/);
    assert.ok(Date.now() - started < 5_000);
  }, { timeoutMs: 300 });
});

test('a 200 answer without a Mailgun id means the base URL is not Mailgun and is reported as configuration', async () => {
  const transport = new MailgunTransport({
    apiKey: 'k', domain: 'mg.example.com', baseUrl: 'http://proxy.example.test',
    fetch: async () => new Response('<html>captive portal</html>', { status: 200 }),
  });
  await assert.rejects(transport.send(mail()), RouteConfigurationError);
});

test('a huge error page is read only up to the cap', async () => {
  const transport = new MailgunTransport({
    apiKey: 'k', domain: 'mg.example.com', baseUrl: 'http://proxy.example.test', maxResponseBytes: 100,
    fetch: async () => new Response('x'.repeat(1_000_000), { status: 502 }),
  });
  const r = await transport.send(mail());
  assert.equal(r.recipients[0]!.result, 'deferred');
  assert.equal(r.recipients[0]!.response!.length, 100);
});

test('close() at a shutdown\'s drain deadline aborts a request Mailgun does not answer, and defers it', async () => {
  await withFake(async (f, transport) => {
    f.stallNext();
    const started = Date.now();
    const sending = transport.send(mail());
    await new Promise((r) => setTimeout(r, 200));
    await transport.close();
    const r = await sending;
    assert.equal(r.recipients[0]!.result, 'deferred');
    assert.match(r.recipients[0]!.response!, /shutting down/);
    assert.ok(Date.now() - started < 5_000, 'not after the 30 s request timeout');
  }, { timeoutMs: 30_000 });
});
