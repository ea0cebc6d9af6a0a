import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptMailgunWebhook,
  mailgunRefusal,
  mailgunWebhookHttpStatus,
  remoteErrorText,
  verifyMailgunWebhook,
  type MailgunReplayGuard,
  type MailgunWebhookResult,
} from '../../src/adapters/mailgun/webhook.ts';
import { MailgunTransport } from '../../src/adapters/transports/mailgun.ts';
import { mailgunEventData, signMailgunWebhook, startFakeMailgun } from '../fakes/mailgun-server.ts';

const SIGNING_KEY = 'whk-' + 'a1b2c3d4'.repeat(4);
const API_KEY = 'key-' + 'f'.repeat(32);
const target = { to: ['erika@example.com'], messageId: '<m_42.1700000000@notifications.example.com>', variables: { 'rebound-ref': 'r_1' }, domain: 'mg.example.com' };

/** An in-memory replay guard with the contract the database one keeps: atomic record-and-report. */
function memoryGuard(): MailgunReplayGuard & { tokens: Set<string> } {
  const tokens = new Set<string>();
  return {
    tokens,
    async seenToken(token) {
      if (tokens.has(token)) return true;
      tokens.add(token);
      return false;
    },
  };
}

const refusal = (r: MailgunWebhookResult) => (r.ok ? 'accepted' : r.refusal.code);

test('a permanent failure signed with the webhook signing key is accepted and mapped onto the event model', async () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'failed', severity: 'permanent' }, target), SIGNING_KEY);
  const result = await acceptMailgunWebhook(JSON.stringify(post), { signingKey: SIGNING_KEY, replayGuard: memoryGuard() });
  assert.equal(mailgunWebhookHttpStatus(result), 200);
  assert.ok(result.ok);
  const e = result.event;
  assert.equal(e.type, 'failed');
  assert.equal(e.severity, 'permanent');
  assert.equal(e.recipient, 'erika@example.com');
  assert.equal(e.reference, 'r_1');
  assert.equal(e.messageId, '<m_42.1700000000@notifications.example.com>', 'Mailgun sends it bare; we restore the brackets');
  assert.equal(e.eventId, (post['event-data'] as { id: string }).id);
  assert.equal(e.token, post.signature.token);
  assert.equal(e.reasonHint, 'bounce');
  assert.deepEqual(e.deliveryStatus, {
    code: '550',
    message: "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos",
    description: '',
    enhancedCode: '5.1.1',
    mxHost: 'mx.example.com',
  });
  assert.equal(e.remoteError, e.deliveryStatus!.message, 'the remote text is kept verbatim, line break included');
  assert.ok(Math.abs(e.timestamp.getTime() - Date.now()) < 5_000);
});

test('temporary failures, deliveries, complaints and unsubscribes map to their types', () => {
  const map = (spec: Parameters<typeof mailgunEventData>[0]) => {
    const r = verifyMailgunWebhook(signMailgunWebhook(mailgunEventData(spec, target), SIGNING_KEY), { signingKey: SIGNING_KEY });
    assert.ok(r.ok, refusal(r));
    return r.event;
  };
  const soft = map({ event: 'failed', severity: 'temporary' });
  assert.deepEqual([soft.type, soft.severity, soft.deliveryStatus?.code, soft.deliveryStatus?.enhancedCode, soft.reasonHint], ['failed', 'temporary', '452', '4.2.2', 'generic']);
  const delivered = map({ event: 'delivered' });
  assert.deepEqual([delivered.type, delivered.severity, delivered.deliveryStatus?.code, delivered.remoteError], ['delivered', null, '250', 'OK']);
  const complaint = map({ event: 'complained' });
  assert.deepEqual([complaint.type, complaint.deliveryStatus, complaint.recipient], ['complained', null, 'erika@example.com']);
  assert.equal(map({ event: 'unsubscribed' }).type, 'unsubscribed');
  const opened = map({ event: 'opened' });
  assert.deepEqual([opened.type, opened.mailgunEvent], ['other', 'opened']);
});

test('a dropped address has no server reply, so Mailgun\'s description is the text shown', () => {
  // Mailgun's payload for a send to an address already on its bounce list (reason suppress-bounce, code 605).
  const post = signMailgunWebhook(mailgunEventData({
    event: 'failed', severity: 'permanent', reason: 'suppress-bounce',
    deliveryStatus: { 'attempt-no': 1, message: '', code: 605, 'enhanced-code': '', description: 'Not delivering to previously bounced address', 'session-seconds': 0 },
  }, target), SIGNING_KEY);
  const r = verifyMailgunWebhook(post, { signingKey: SIGNING_KEY });
  assert.ok(r.ok);
  assert.equal(r.event.remoteError, 'Not delivering to previously bounced address');
  assert.equal(r.event.deliveryStatus?.code, '605');
  assert.equal(r.event.deliveryStatus?.enhancedCode, undefined);
  assert.equal(r.event.reasonHint, 'suppress-bounce');
});

test('the 1:1 remote error prefers the server message, then the description, and never rewrites either', () => {
  assert.equal(remoteErrorText({ message: '550 5.1.1 <x@example.com>: User unknown ', description: 'ignored' }), '550 5.1.1 <x@example.com>: User unknown ');
  assert.equal(remoteErrorText({ message: '   ', description: 'No MX for nomx.example.com' }), 'No MX for nomx.example.com');
  assert.equal(remoteErrorText({ message: '', description: '' }), null);
  assert.equal(remoteErrorText(null), null);
});

test('a wrong signature is refused with 406', () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), SIGNING_KEY);
  post.signature.signature = post.signature.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  const r = verifyMailgunWebhook(JSON.stringify(post), { signingKey: SIGNING_KEY });
  assert.equal(refusal(r), 'bad_signature');
  assert.equal(mailgunWebhookHttpStatus(r), 406);
  assert.ok(!r.ok && r.refusal.errorCode === 'REBOUND_ERR_MAILGUN_WEBHOOK_SIGNATURE' && r.refusal.httpStatus === 406);
});

test('a post signed with the API key instead of the webhook signing key is refused', () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'failed', severity: 'permanent' }, target), API_KEY);
  assert.equal(refusal(verifyMailgunWebhook(post, { signingKey: SIGNING_KEY })), 'bad_signature');
});

test('a tampered token or timestamp breaks the signature', () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), SIGNING_KEY);
  const otherToken = structuredClone(post);
  otherToken.signature.token = 'x' + post.signature.token.slice(1);
  assert.equal(refusal(verifyMailgunWebhook(otherToken, { signingKey: SIGNING_KEY })), 'bad_signature');
  const otherTime = structuredClone(post);
  otherTime.signature.timestamp = String(Number(post.signature.timestamp) - 1);
  assert.equal(refusal(verifyMailgunWebhook(otherTime, { signingKey: SIGNING_KEY })), 'bad_signature');
});

test('a stale or future timestamp is refused even with a valid signature, within a configurable tolerance', () => {
  const now = Date.now();
  const old = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), SIGNING_KEY, { timestamp: Math.floor(now / 1000) - 301 });
  const future = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), SIGNING_KEY, { timestamp: Math.floor(now / 1000) + 301 });
  assert.equal(refusal(verifyMailgunWebhook(old, { signingKey: SIGNING_KEY, now: () => now })), 'stale');
  assert.equal(refusal(verifyMailgunWebhook(future, { signingKey: SIGNING_KEY, now: () => now })), 'stale');
  assert.equal(refusal(verifyMailgunWebhook(old, { signingKey: SIGNING_KEY, now: () => now, toleranceMs: 10 * 60_000 })), 'accepted');
});

test('a replayed token is refused the second time and the guard is not consulted for forgeries', async () => {
  const guard = memoryGuard();
  const post = JSON.stringify(signMailgunWebhook(mailgunEventData({ event: 'failed', severity: 'permanent' }, target), SIGNING_KEY));
  assert.equal(refusal(await acceptMailgunWebhook(post, { signingKey: SIGNING_KEY, replayGuard: guard })), 'accepted');
  const again = await acceptMailgunWebhook(post, { signingKey: SIGNING_KEY, replayGuard: guard });
  assert.equal(refusal(again), 'replayed');
  assert.equal(mailgunWebhookHttpStatus(again), 406);

  const forged = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), API_KEY);
  await acceptMailgunWebhook(forged, { signingKey: SIGNING_KEY, replayGuard: guard });
  assert.equal(guard.tokens.has(forged.signature.token), false, 'a forged post cannot burn a token');
});

test('malformed bodies are refused with 406 and say what is wrong', () => {
  const opts = { signingKey: SIGNING_KEY };
  const good = signMailgunWebhook(mailgunEventData({ event: 'failed', severity: 'permanent' }, target), SIGNING_KEY);
  const cases: Array<[unknown, RegExp]> = [
    ['{"signature": {', /not JSON/],
    [Buffer.from('null'), /not a JSON object/],
    ['[]', /not a JSON object/],
    [{ 'event-data': {} }, /signature object missing/],
    [{ ...good, signature: { ...good.signature, timestamp: 'yesterday' } }, /unix seconds/],
    [{ ...good, signature: { ...good.signature, token: '' } }, /token/],
    [{ ...good, signature: { timestamp: good.signature.timestamp, token: good.signature.token } }, /signature\.signature missing/],
    [{ signature: good.signature }, /event-data object missing/],
    [{ ...good, 'event-data': { ...good['event-data'], event: undefined } }, /event missing/],
    [{ ...good, 'event-data': { ...good['event-data'], severity: 'sometimes' } }, /severity/],
    [{ ...good, 'event-data': { ...good['event-data'], recipient: undefined } }, /recipient/],
    [{ ...good, 'event-data': { ...good['event-data'], timestamp: 'soon' } }, /timestamp/],
    ['x'.repeat(300 * 1024), /too large/],
  ];
  for (const [body, reason] of cases) {
    const r = verifyMailgunWebhook(body, opts);
    assert.equal(mailgunWebhookHttpStatus(r), 406);
    assert.ok(!r.ok && r.refusal.code === 'malformed', `expected malformed for ${String(reason)}`);
    assert.match(r.refusal.message, reason);
  }
});

test('a missing signing key is a configuration error, never an open door', () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), '');
  assert.throws(() => verifyMailgunWebhook(post, { signingKey: '' }), /signing key/);
});

test('the route can refuse an unknown message in the same terms', () => {
  const r = mailgunRefusal('unknown_message', 'no message with that reference');
  assert.deepEqual(r, { code: 'unknown_message', errorCode: 'REBOUND_ERR_MAILGUN_WEBHOOK_UNKNOWN_MESSAGE', httpStatus: 406, message: 'no message with that reference' });
});

test('a subaccount post verified through parent-signature is accepted with the primary account key', () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, target), 'subaccount-key');
  const parent = signMailgunWebhook({}, SIGNING_KEY, { timestamp: Number(post.signature.timestamp), token: post.signature.token });
  const withParent = { ...post, signature: { ...post.signature, 'parent-signature': parent.signature.signature } };
  assert.equal(refusal(verifyMailgunWebhook(withParent, { signingKey: SIGNING_KEY })), 'accepted');
});

test('a numeric-looking reference echoed back as a JSON number is still found', () => {
  const post = signMailgunWebhook(mailgunEventData({ event: 'delivered' }, { ...target, variables: {} }), SIGNING_KEY);
  (post['event-data']['user-variables'] as Record<string, unknown>)['rebound-ref'] = 12345;
  const r = verifyMailgunWebhook(post, { signingKey: SIGNING_KEY });
  assert.ok(r.ok);
  assert.equal(r.event.reference, '12345');
});

test('end to end: a message sent through the fake comes back as a webhook naming it by reference and Message-ID', async () => {
  const fake = await startFakeMailgun({ domain: 'mg.example.com' });
  try {
    const transport = new MailgunTransport({ apiKey: fake.apiKey, domain: fake.domain, baseUrl: fake.url });
    await transport.send({
      envelopeFrom: 'bounces@notifications.example.com',
      envelopeTo: ['guest@example.net'],
      raw: Buffer.from('Message-ID: <abc.123@notifications.example.com>\r\nSubject: Hi\r\n\r\nHello\r\n'),
      messageId: '<abc.123@notifications.example.com>',
      reference: 'rcpt_77',
    });
    const post = fake.eventFor(fake.received[0]!, { event: 'failed', severity: 'permanent' }, SIGNING_KEY);
    const r = await acceptMailgunWebhook(JSON.stringify(post), { signingKey: SIGNING_KEY, replayGuard: memoryGuard() });
    assert.ok(r.ok);
    assert.deepEqual([r.event.reference, r.event.messageId, r.event.recipient], ['rcpt_77', '<abc.123@notifications.example.com>', 'guest@example.net']);
  } finally {
    await fake.close();
  }
});
