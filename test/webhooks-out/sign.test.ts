import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeWebhookSecret,
  generateWebhookSecret,
  newWebhookMessageId,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
} from '../../src/adapters/webhooks-out/sign.ts';

// The Standard Webhooks reference test vector (libraries/javascript/src/webhook.test.ts, "sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

test('signing reproduces the Standard Webhooks reference test vector', () => {
  assert.equal(signWebhook(VECTOR, VECTOR.secret), VECTOR.signature);
});

test('a generated secret is whsec_ plus base64 of 32 random bytes and decodes to its key', () => {
  const secret = generateWebhookSecret();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(decodeWebhookSecret(secret).length, 32);
  assert.notEqual(generateWebhookSecret(), secret);
});

test('secrets that are too short, not base64 or unprefixed are refused', () => {
  assert.throws(() => decodeWebhookSecret('whsec_' + Buffer.alloc(16).toString('base64')), /24 to 64 bytes/);
  assert.throws(() => decodeWebhookSecret('whsec_not base64!!'), /base64/);
  assert.throws(() => decodeWebhookSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), /whsec_/);
  assert.throws(() => generateWebhookSecret(8), RangeError);
});

test('message ids never contain a full stop and are unique', () => {
  const ids = new Set(Array.from({ length: 200 }, newWebhookMessageId));
  assert.equal(ids.size, 200);
  for (const id of ids) assert.match(id, /^msg_[A-Za-z0-9_-]{24}$/);
  assert.throws(() => signWebhook({ id: 'a.b', timestamp: 1, body: '' }, VECTOR.secret), /contain no/);
  assert.throws(() => signWebhook({ id: 'a', timestamp: 1.5, body: '' }, VECTOR.secret), /whole unix seconds/);
});

test('a receiver verifies a signed delivery sent over HTTP', async () => {
  const secret = generateWebhookSecret();
  const received: Array<{ req: IncomingMessage; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ req, body });
      const verdict = verifyWebhook({ headers: req.headers, body, secret });
      res.writeHead(verdict.ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify({ type: 'message.bounced', timestamp: new Date().toISOString(), data: { messageId: 'm_1' } });
    const input = { id: newWebhookMessageId(), timestamp: Math.floor(Date.now() / 1000), body };
    const ok = await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', headers: { ...webhookHeaders(input, secret), 'content-type': 'application/json' }, body });
    assert.equal(ok.status, 204);
    const forged = await fetch(`http://127.0.0.1:${port}/hook`, {
      method: 'POST',
      headers: { ...webhookHeaders(input, generateWebhookSecret()), 'content-type': 'application/json' },
      body,
    });
    assert.equal(forged.status, 401);
    assert.equal(received.length, 2);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a tampered body, id or timestamp fails verification', () => {
  const now = 1_700_000_000;
  const input = { id: 'msg_1', timestamp: now, body: '{"a":1}' };
  const headers = webhookHeaders(input, VECTOR.secret);
  assert.deepEqual(verifyWebhook({ headers, body: input.body, secret: VECTOR.secret, nowSeconds: now }), { ok: true, id: 'msg_1', timestamp: now });
  assert.equal(verifyWebhook({ headers, body: '{"a":2}', secret: VECTOR.secret, nowSeconds: now }).ok, false);
  assert.equal(verifyWebhook({ headers: { ...headers, 'webhook-id': 'msg_2' }, body: input.body, secret: VECTOR.secret, nowSeconds: now }).ok, false);
  const shifted = verifyWebhook({ headers: { ...headers, 'webhook-timestamp': String(now + 1) }, body: input.body, secret: VECTOR.secret, nowSeconds: now });
  assert.deepEqual(shifted.ok ? null : shifted.reason, 'no_matching_signature');
});

test('timestamps outside the tolerance are refused even when the signature is right', () => {
  const input = { id: 'msg_1', timestamp: 1_700_000_000, body: 'x' };
  const headers = webhookHeaders(input, VECTOR.secret);
  const old = verifyWebhook({ headers, body: 'x', secret: VECTOR.secret, nowSeconds: input.timestamp + 301 });
  const future = verifyWebhook({ headers, body: 'x', secret: VECTOR.secret, nowSeconds: input.timestamp - 301 });
  const edge = verifyWebhook({ headers, body: 'x', secret: VECTOR.secret, nowSeconds: input.timestamp + 300 });
  const widened = verifyWebhook({ headers, body: 'x', secret: VECTOR.secret, nowSeconds: input.timestamp + 3600, toleranceSeconds: 3600 });
  assert.equal(old.ok ? null : old.reason, 'timestamp_out_of_tolerance');
  assert.equal(future.ok ? null : future.reason, 'timestamp_out_of_tolerance');
  assert.equal(edge.ok, true);
  assert.equal(widened.ok, true);
});

test('one matching signature among several space-separated ones is enough', () => {
  const input = { id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body };
  const sig = ['v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v1a,abc', VECTOR.signature].join(' ');
  const headers = { 'Webhook-Id': VECTOR.id, 'Webhook-Timestamp': String(VECTOR.timestamp), 'Webhook-Signature': sig };
  assert.equal(verifyWebhook({ headers, body: input.body, secret: VECTOR.secret, nowSeconds: VECTOR.timestamp }).ok, true);
});

test('signing with two secrets during a rotation satisfies receivers holding either', () => {
  const oldSecret = generateWebhookSecret();
  const newSecret = generateWebhookSecret();
  const input = { id: 'msg_r', timestamp: 1_700_000_000, body: Buffer.from('{}') };
  const headers = webhookHeaders(input, [newSecret, oldSecret]);
  assert.equal(headers['webhook-signature'].split(' ').length, 2);
  for (const secret of [oldSecret, newSecret, [generateWebhookSecret(), oldSecret]]) {
    assert.equal(verifyWebhook({ headers, body: input.body, secret, nowSeconds: input.timestamp }).ok, true);
  }
  assert.equal(verifyWebhook({ headers, body: input.body, secret: generateWebhookSecret(), nowSeconds: input.timestamp }).ok, false);
});

test('missing headers, a non-numeric timestamp and a truncated signature are refused', () => {
  const input = { id: 'msg_1', timestamp: 1_700_000_000, body: 'x' };
  const headers = webhookHeaders(input, VECTOR.secret);
  const reason = (v: ReturnType<typeof verifyWebhook>) => (v.ok ? 'ok' : v.reason);
  const base = { body: 'x', secret: VECTOR.secret, nowSeconds: input.timestamp };
  assert.equal(reason(verifyWebhook({ ...base, headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000' } })), 'missing_header');
  assert.equal(reason(verifyWebhook({ ...base, headers: { ...headers, 'webhook-timestamp': 'hello' } })), 'invalid_timestamp');
  assert.equal(reason(verifyWebhook({ ...base, headers: { ...headers, 'webhook-signature': headers['webhook-signature'].slice(0, 8) } })), 'no_matching_signature');
  assert.equal(reason(verifyWebhook({ ...base, headers: { ...headers, 'webhook-signature': 'v1,' } })), 'no_matching_signature');
  assert.equal(reason(verifyWebhook({ ...base, headers, secret: 'whsec_short' })), 'invalid_secret');
});

test('a fetch Headers object works as the header source', () => {
  const input = { id: 'msg_h', timestamp: 1_700_000_000, body: 'x' };
  const headers = new Headers({ ...webhookHeaders(input, VECTOR.secret) });
  assert.equal(verifyWebhook({ headers, body: 'x', secret: VECTOR.secret, nowSeconds: input.timestamp }).ok, true);
});
