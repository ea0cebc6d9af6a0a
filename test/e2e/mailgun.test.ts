import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startRebound, eventually, ADMIN, type TestInstance } from '../helpers/rebound.ts';
import { databaseKinds } from '../helpers/databases.ts';
import { mailgunEventData, signMailgunWebhook, startFakeMailgun, type FakeMailgun, type ReceivedMailgunMessage } from '../fakes/mailgun-server.ts';

const SIGNING_KEY = 'whsk-' + '5e1f'.repeat(8);
const HOTEL = 'rezeption@alpenblick.example.com';
const PERMANENT_TEXT = "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos";

for (const db of await databaseKinds()) {
  describe(`the Mailgun route on ${db}`, () => {
    let mailgun: FakeMailgun;
    let rebound: TestInstance;
    let apiKey: string;

    const send = async (to: string, subject = 'Ihre Buchungsbestätigung') => {
      const res = await rebound.api('POST', '/v1/messages', { token: apiKey, body: { to, subject, text: 'Wir freuen uns auf Sie.', reference: 'booking-4711' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const message = async (id: string) => (await rebound.api('GET', `/v1/messages/${id}`, { token: apiKey })).body;
    const recipientStatus = async (id: string) => (await message(id)).recipients[0].status as string;
    const receivedFor = (to: string) => eventually(async () => mailgun.received.find((m) => m.to.includes(to)), 10_000, `Mailgun to receive the mail to ${to}`);
    const postWebhook = (body: unknown) => rebound.api('POST', '/v1/webhooks/mailgun', { body: typeof body === 'string' ? body : JSON.stringify(body) });
    const hotelNotifications = async () => {
      const r = await rebound.api('GET', '/v1/captured?raw=true&limit=200', { token: ADMIN });
      return (r.body.data as { envelopeTo: string; raw: string }[]).filter((m) => m.envelopeTo.includes(HOTEL));
    };
    /** Everything the API shows about a message and the hotel, to prove a refused post changed nothing. */
    const snapshot = async (id: string) => ({
      message: await message(id),
      suppressions: (await rebound.api('GET', '/v1/suppressions', { token: apiKey })).body,
      notifications: (await hotelNotifications()).length,
    });

    before(async () => {
      mailgun = await startFakeMailgun();
      rebound = await startRebound({
        db,
        env: {
          REBOUND_MAILGUN_API_KEY: mailgun.apiKey,
          REBOUND_MAILGUN_DOMAIN: mailgun.domain,
          REBOUND_MAILGUN_BASE_URL: mailgun.url,
          REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
          REBOUND_RETRY_BASE_SECONDS: '1',
          REBOUND_RETRY_MAX_SECONDS: '2',
        },
      });
      const created = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Alpenblick', notificationEmail: HOTEL } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.route, { type: 'mailgun' }, 'Mailgun is the default route when it is configured and no relay is');
      apiKey = created.body.apiKey;
    });

    after(async () => {
      await rebound?.destroy();
      await mailgun?.close();
    });

    it('posts the complete MIME message to messages.mime with our Message-ID and only the opaque reference as a variable', async () => {
      const id = await send('erika@example.net');
      const received = await receivedFor('erika@example.net');
      const msg = await eventually(async () => { const m = await message(id); return m.status === 'sent' ? m : null; }, 10_000, 'status sent');
      assert.equal(received.messageId, msg.messageId, 'the Message-ID is the one Rebound built');
      assert.deepEqual(received.variables, { 'rebound-ref': id }, 'no guest data in variables (recipients can see them)');
      assert.deepEqual(received.options, {});
      assert.deepEqual(received.to, ['erika@example.net']);
      assert.match(received.mime.toString('utf8'), /^Subject: =\?UTF-8\?Q\?Ihre_Buchungsbest/m, 'the complete message, headers included');
      assert.equal(msg.recipients[0].replyCode, '200');
    });

    it('retries 429 and 500 answers with backoff until Mailgun accepts', async () => {
      mailgun.failNext(429);
      mailgun.failNext(500);
      const before = mailgun.requests.length;
      const id = await send('retry@example.net');
      await eventually(async () => (await recipientStatus(id)) === 'sent', 15_000, 'sent after two retries');
      assert.deepEqual(mailgun.requests.slice(before).map((r) => r.status), [429, 500, 200]);
      const m = await message(id);
      assert.deepEqual(m.events.filter((e: any) => e.recipient).map((e: any) => e.type), ['deferred', 'deferred', 'sent']);
      assert.equal(m.recipients[0].attempts, 3);
    });

    it('waits at least as long as a 429 answer\'s Retry-After asks before it tries again', async () => {
      // The retry backoff here is at most 2 s; Mailgun asks for 6.
      mailgun.failNext(429, 1, { retryAfter: '6' });
      const before = mailgun.requests.length;
      const id = await send('rate-limited@example.net');
      const deferred = await eventually(async () => (await message(id)).events.find((e: any) => e.type === 'deferred') ?? null, 10_000, 'the 429 recorded');
      await new Promise((r) => setTimeout(r, 3_500));
      assert.equal(mailgun.requests.length - before, 1, 'not tried again before the Retry-After');
      await eventually(async () => (await recipientStatus(id)) === 'sent', 15_000, 'sent after the Retry-After');
      const sentAt = (await message(id)).events.find((e: any) => e.type === 'sent').at;
      assert.ok(Date.parse(sentAt) - Date.parse(deferred.at) >= 5_900, `tried again after ${Date.parse(sentAt) - Date.parse(deferred.at)} ms`);
    });

    it('treats a 400 answer as final, keeping the provider text verbatim', async () => {
      mailgun.failNext(400);
      const id = await send('final@example.net');
      const m = await eventually(async () => { const x = await message(id); return x.recipients[0].status === 'bounced' ? x : null; }, 10_000, 'bounced');
      assert.equal(m.recipients[0].diagnostic, "'to' parameter is not a valid address. please check documentation");
      assert.equal(m.recipients[0].replyCode, '400');
      assert.equal(m.recipients[0].attempts, 1, 'not retried');
    });

    it('logs a 401 loudly and defers the message without a retry storm', async () => {
      mailgun.failNext(401);
      const before = mailgun.requests.length;
      const id = await send('keyproblem@example.net');
      await eventually(async () => (await recipientStatus(id)) === 'deferred', 10_000, 'deferred');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(mailgun.requests.length - before, 1, 'one request, then a long pause, not a storm');
      assert.ok(rebound.logs.some((l) => l.includes('route misconfigured') && l.includes('REBOUND_MAILGUN_API_KEY') && l.includes('"level":50')), 'an error-level log names the variable');
    });

    it('turns a signed permanent failure into a bounce, a notification quoting delivery-status verbatim, and a suppression', async () => {
      const id = await send('gone@example.net', 'Ihre Rechnung 2024-117');
      const received = await receivedFor('gone@example.net');
      await eventually(async () => (await recipientStatus(id)) === 'sent', 10_000, 'sent');
      const res = await postWebhook(mailgun.eventFor(received, { event: 'failed', severity: 'permanent' }, SIGNING_KEY));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'recorded');

      const m = await message(id);
      const r = m.recipients[0];
      assert.equal(r.status, 'bounced');
      assert.equal(r.diagnostic, PERMANENT_TEXT, 'delivery-status.message verbatim, line break included');
      assert.equal(r.statusCode, '5.1.1');
      assert.equal(r.replyCode, '550');
      assert.equal(r.reason, 'userunknown');
      assert.equal(r.remoteMta, 'mx.example.net');
      const bounce = m.events.find((e: any) => e.type === 'bounced');
      assert.equal(bounce.source, 'mailgun');

      const notifications = await eventually(async () => {
        const all = await hotelNotifications();
        return all.find((n) => n.raw.includes('gone@example.net')) ?? null;
      }, 10_000, 'the hotel notification');
      const parsed = await simpleParser(notifications.raw);
      assert.equal(parsed.subject, 'E-Mail-Nachricht konnte nicht zugestellt werden');
      assert.ok(parsed.text!.includes(PERMANENT_TEXT), `the notification quotes the provider text verbatim:\n${parsed.text}`);
      assert.match(parsed.text!, /Ihre Rechnung 2024-117/);

      const s = await rebound.api('GET', '/v1/suppressions?address=gone@example.net', { token: apiKey });
      assert.equal(s.body.data.length, 1);
      assert.equal(s.body.data[0].reason, 'userunknown');
      assert.equal(s.body.data[0].source, 'bounce');
      assert.equal(s.body.data[0].eventId, bounce.id, 'the entry names the event that caused it');
    });

    it('changes nothing when Mailgun posts the same event again', async () => {
      const received = mailgun.received.find((x) => x.to.includes('gone@example.net'))!;
      const eventData = mailgunEventData({ event: 'failed', severity: 'permanent' }, received);
      const first = await postWebhook(signMailgunWebhook(eventData, SIGNING_KEY));
      assert.equal(first.status, 200);
      const id = (received.variables['rebound-ref'])!;
      const before = await snapshot(id);
      // The same event (same event-data id) in a new post with a fresh token: Mailgun's retry.
      const again = await postWebhook(signMailgunWebhook(eventData, SIGNING_KEY));
      assert.equal(again.status, 200);
      assert.equal(again.body.status, 'duplicate');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await snapshot(id), before);
    });

    describe('refuses with 406, changing nothing', () => {
      let id: string;
      let received: ReceivedMailgunMessage;
      let baseline: Awaited<ReturnType<typeof snapshot>>;
      const permanent = () => mailgunEventData({ event: 'failed', severity: 'permanent' }, received);

      before(async () => {
        id = await send('kept@example.net');
        received = await receivedFor('kept@example.net');
        await eventually(async () => (await recipientStatus(id)) === 'sent', 10_000, 'sent');
        baseline = await snapshot(id);
      });
      after(async () => {
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(await snapshot(id), baseline);
      });

      const refusedWith = async (body: unknown, code: string) => {
        const res = await postWebhook(body);
        assert.equal(res.status, 406, JSON.stringify(res.body));
        assert.equal(res.body.error.code, code);
        assert.deepEqual(await snapshot(id), baseline);
      };

      it('a post signed with the wrong key', async () => {
        await refusedWith(signMailgunWebhook(permanent(), 'not-the-signing-key'), 'REBOUND_ERR_MAILGUN_WEBHOOK_SIGNATURE');
      });
      it('a post signed with the API key instead of the webhook signing key', async () => {
        await refusedWith(signMailgunWebhook(permanent(), mailgun.apiKey), 'REBOUND_ERR_MAILGUN_WEBHOOK_SIGNATURE');
      });
      it('a post with a stale timestamp', async () => {
        await refusedWith(signMailgunWebhook(permanent(), SIGNING_KEY, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), 'REBOUND_ERR_MAILGUN_WEBHOOK_STALE');
      });
      it('a post replaying a token that was already used', async () => {
        const token = 'a1'.repeat(25);
        const opened = await postWebhook(signMailgunWebhook(mailgunEventData({ event: 'opened' }, received), SIGNING_KEY, { token }));
        assert.equal(opened.status, 200);
        assert.equal(opened.body.status, 'ignored');
        await refusedWith(signMailgunWebhook(permanent(), SIGNING_KEY, { token }), 'REBOUND_ERR_MAILGUN_WEBHOOK_REPLAYED');
      });
      it('a body that is not JSON', async () => {
        await refusedWith('{"signature": {"timestamp": ', 'REBOUND_ERR_MAILGUN_WEBHOOK_MALFORMED');
      });
      it('an event about a message this system never sent', async () => {
        const stranger = { ...received, messageId: '<not-ours@elsewhere.example>', variables: { 'rebound-ref': 'msg_00000000000000000000000000' } };
        await refusedWith(signMailgunWebhook(mailgunEventData({ event: 'failed', severity: 'permanent' }, stranger), SIGNING_KEY), 'REBOUND_ERR_MAILGUN_WEBHOOK_UNKNOWN_MESSAGE');
      });
    });

    it('defers on a temporary failure without a retry of its own, then records the delivery', async () => {
      const id = await send('later@example.net');
      const received = await receivedFor('later@example.net');
      await eventually(async () => (await recipientStatus(id)) === 'sent', 10_000, 'sent');
      const requests = mailgun.requests.length;
      const res = await postWebhook(mailgun.eventFor(received, { event: 'failed', severity: 'temporary' }, SIGNING_KEY));
      assert.equal(res.status, 200);
      const m = await message(id);
      assert.equal(m.recipients[0].status, 'deferred');
      assert.equal(m.recipients[0].diagnostic, '4.2.2 The email account that you tried to reach is over quota.');
      assert.equal(m.recipients[0].reason, 'mailboxfull');
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(mailgun.requests.length, requests, 'Mailgun retries it, not Rebound');
      const delivered = await postWebhook(mailgun.eventFor(received, { event: 'delivered' }, SIGNING_KEY));
      assert.equal(delivered.status, 200);
      assert.equal(await recipientStatus(id), 'delivered');
    });

    it('records a complaint and suppresses the address', async () => {
      const id = await send('spam-button@example.net');
      const received = await receivedFor('spam-button@example.net');
      await eventually(async () => (await recipientStatus(id)) === 'sent', 10_000, 'sent');
      assert.equal((await postWebhook(mailgun.eventFor(received, { event: 'complained' }, SIGNING_KEY))).status, 200);
      assert.equal(await recipientStatus(id), 'complained');
      const s = await rebound.api('GET', '/v1/suppressions?reason=feedback', { token: apiKey });
      assert.deepEqual(s.body.data.map((x: any) => [x.address, x.source]), [['spam-button@example.net', 'complaint']]);
    });

    it('matches by Message-ID when the reference variable is missing', async () => {
      const id = await send('noref@example.net');
      const received = await receivedFor('noref@example.net');
      await eventually(async () => (await recipientStatus(id)) === 'sent', 10_000, 'sent');
      const res = await postWebhook(signMailgunWebhook(mailgunEventData({ event: 'delivered' }, { ...received, variables: {} }), SIGNING_KEY));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(await recipientStatus(id), 'delivered');
    });
  });
}
