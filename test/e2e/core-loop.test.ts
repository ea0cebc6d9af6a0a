import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink, type ReceivedMail } from '../helpers/smtp-sink.ts';
import { startRebound, eventually, ADMIN, type TestInstance } from '../helpers/rebound.ts';
import { databaseKinds } from '../helpers/databases.ts';

const UNKNOWN_GUEST = 'nobody@example.net';
const FULL_GUEST = 'full@example.net';
const HOTEL = 'rezeption@hotel.example.com';
const RCPT_REJECTION = '5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table';
const DSN_DIAGNOSTIC = '552 5.2.2 <full@example.net>: Recipient address rejected: Mailbox full (quota exceeded)';

/** The RFC 3464 report the smarthost's downstream would send back for an accepted message. */
function dsnFor(original: ReceivedMail, recipient: string): string {
  const originalHeaders = original.raw.toString('utf8').split(/\r?\n\r?\n/)[0];
  return [
    'From: MAILER-DAEMON@relay.example.org (Mail Delivery System)',
    `To: ${original.from}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'I\'m sorry to have to inform you that your message could not be delivered.',
    '',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; relay.example.org',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.2.2',
    'Remote-MTA: dns; mx.example.net',
    // Folded over two lines, as real MTAs do; the notification must show it unfolded and otherwise verbatim.
    'Diagnostic-Code: smtp; 552 5.2.2 <full@example.net>: Recipient address rejected:',
    '    Mailbox full (quota exceeded)',
    '',
    '--BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    originalHeaders,
    '',
    '--BOUNDARY--',
    '',
  ].join('\r\n');
}

for (const db of await databaseKinds()) {
  describe(`the core loop on ${db}`, () => {
    let smarthost: SmtpSink;
    let rebound: TestInstance;
    let apiKey: string;
    let tenantId: string;
    let messageId: string;
    const bounceSenders: Promise<unknown>[] = [];

    before(async () => {
      // The platform relay: rejects one guest at RCPT, accepts the rest; for the "full" guest it
      // later mails a DSN back to the VERP return path through Rebound's inbound listener.
      smarthost = await startSmtpSink({
        rcptVerdict: (a) => (a === UNKNOWN_GUEST ? { code: 550, message: RCPT_REJECTION } : null),
        onMail: (mail) => {
          if (!mail.to.includes(FULL_GUEST)) return;
          const client = nodemailer.createTransport({ host: '127.0.0.1', port: rebound.smtpPort, secure: false, ignoreTLS: true });
          bounceSenders.push(client.sendMail({ envelope: { from: '', to: [mail.from] }, raw: dsnFor(mail, FULL_GUEST) }));
        },
      });
      rebound = await startRebound({ db, env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${smarthost.port}` } });
      const created = await rebound.api('POST', '/v1/tenants', {
        token: ADMIN,
        body: { name: 'Hotel Alpenblick', notificationEmail: HOTEL, language: 'de' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      apiKey = created.body.apiKey;
      tenantId = created.body.id;
    });

    after(async () => {
      await Promise.allSettled(bounceSenders);
      await rebound?.destroy();
      await smarthost?.close();
    });

    it('accepts a message for three guests and answers 202 with an id', async () => {
      const res = await rebound.api('POST', '/v1/messages', {
        token: apiKey,
        body: { to: ['ok@example.net', FULL_GUEST], cc: UNKNOWN_GUEST, subject: 'Ihre Buchungsbestätigung', text: 'Wir freuen uns auf Sie.', reference: 'booking-4711' },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.match(res.body.id, /^msg_/);
      assert.equal(res.body.status, 'queued');
      messageId = res.body.id;
    });

    it('delivers through the relay with a VERP return path per recipient and the hotel as Reply-To', async () => {
      const mails = await smarthost.waitFor(2);
      const guestMails = mails.filter((m) => !m.to.includes(HOTEL));
      assert.equal(guestMails.length, 2);
      for (const m of guestMails) assert.match(m.from, /^bounces\+rcp_[a-z0-9]+-[0-9a-f]{16}@notifications\.example\.com$/);
      const parsed = await simpleParser(guestMails[0]!.raw);
      assert.equal(parsed.from?.value[0]?.name, 'Hotel Alpenblick');
      assert.equal(parsed.from?.value[0]?.address, 'no-reply@notifications.example.com');
      assert.equal(parsed.replyTo?.value[0]?.address, HOTEL);
      assert.equal(parsed.messageId, `<${messageId}@notifications.example.com>`);
    });

    it('turns the RCPT rejection and the DSN into exactly one notification each, with the remote text verbatim', async () => {
      const all = await eventually(async () => {
        const n = smarthost.mails.filter((m) => m.to.includes(HOTEL));
        return n.length >= 2 ? n : null;
      }, 15_000, 'two notifications');
      const parsed = await Promise.all(all.map((m) => simpleParser(m.raw)));
      for (const p of parsed) {
        assert.equal(p.from?.value[0]?.address, 'bounces@notifications.example.com');
        assert.equal(p.subject, 'E-Mail-Nachricht konnte nicht zugestellt werden');
        assert.equal(p.headers.get('auto-submitted'), 'auto-generated');
        assert.ok(p.html, 'has an HTML part');
        assert.match(p.text ?? '', /Ihre Buchungsbestätigung/);
      }
      for (const m of all) assert.equal(m.from, '', 'notifications go out with a null return path (no loops)');
      const rejected = parsed.find((p) => p.text?.includes(UNKNOWN_GUEST))!;
      assert.ok(rejected, 'a notification names the rejected guest');
      assert.ok(rejected.text!.includes(`550 ${RCPT_REJECTION}`) || rejected.text!.includes(RCPT_REJECTION), 'the RCPT reply appears verbatim');
      assert.match(rejected.text!, /Status: 5\.1\.1/);
      assert.match(rejected.text!, /Antwortcode: 550/);
      const full = parsed.find((p) => p.text?.includes(FULL_GUEST))!;
      assert.ok(full.text!.includes(DSN_DIAGNOSTIC), `the DSN diagnostic appears verbatim (unfolded):\n${full.text}`);
      assert.ok(String(full.html).includes('Mailbox full (quota exceeded)'));
      assert.match(full.text!, /Postfach des Gastes ist voll/);
      const attachment = full.attachments.find((a) => a.contentType === 'message/rfc822');
      assert.ok(attachment, 'the bounce itself is attached');
      assert.match(attachment!.content.toString('utf8'), /Final-Recipient: rfc822; full@example\.net/);
    });

    it('shows every recipient status and the timeline in the API', async () => {
      const msg = await eventually(async () => {
        const r = await rebound.api('GET', `/v1/messages/${messageId}`, { token: apiKey });
        const byAddr = Object.fromEntries(r.body.recipients.map((x: any) => [x.address, x]));
        return byAddr[FULL_GUEST]?.status === 'bounced' && byAddr[UNKNOWN_GUEST]?.status === 'bounced' ? r.body : null;
      }, 10_000, 'both bounces recorded');
      const byAddr = Object.fromEntries(msg.recipients.map((x: any) => [x.address, x]));
      assert.equal(msg.status, 'bounced');
      assert.equal(byAddr['ok@example.net'].status, 'sent');
      assert.equal(byAddr[UNKNOWN_GUEST].replyCode, '550');
      assert.equal(byAddr[UNKNOWN_GUEST].statusCode, '5.1.1');
      assert.equal(byAddr[UNKNOWN_GUEST].reason, 'userunknown');
      assert.equal(byAddr[FULL_GUEST].statusCode, '5.2.2');
      assert.equal(byAddr[FULL_GUEST].reason, 'mailboxfull');
      assert.equal(byAddr[FULL_GUEST].diagnostic, DSN_DIAGNOSTIC);
      assert.equal(byAddr[FULL_GUEST].remoteMta, 'mx.example.net');
      const types = msg.events.map((e: any) => `${e.type}:${e.recipient ?? '-'}`);
      assert.ok(types.includes('accepted:-'));
      assert.ok(types.includes(`sent:${FULL_GUEST}`));
      assert.ok(types.includes(`bounced:${FULL_GUEST}`));
      assert.ok(types.includes(`bounced:${UNKNOWN_GUEST}`));
      await eventually(async () => {
        const r = await rebound.api('GET', `/v1/messages/${messageId}`, { token: apiKey });
        return r.body.events.filter((e: any) => e.type === 'notified').length === 2;
      }, 10_000, 'notified events');
    });

    it('refuses to relay: any recipient that is not one of its return paths is rejected at RCPT', async () => {
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: rebound.smtpPort, secure: false, ignoreTLS: true });
      await assert.rejects(
        client.sendMail({ envelope: { from: 'spammer@example.org', to: ['victim@example.com'] }, raw: 'Subject: hi\r\n\r\nhi\r\n' }),
        (e: any) => e.responseCode === 550 && /relay/i.test(e.response),
      );
    });

    it('refuses a forged VERP token and a bounce for a Message-ID it never sent', async () => {
      const sent = smarthost.mails.find((m) => m.to.includes('ok@example.net'))!;
      const forged = sent.from.replace(/-([0-9a-f]{16})@/, (_m, mac: string) => `-${mac.startsWith('0') ? '1' : '0'}${mac.slice(1)}@`);
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: rebound.smtpPort, secure: false, ignoreTLS: true });
      await assert.rejects(
        client.sendMail({ envelope: { from: '', to: [forged] }, raw: dsnFor(sent, 'ok@example.net') }),
        (e: any) => e.responseCode === 550,
      );
      const unknown = { ...sent, raw: Buffer.from(sent.raw.toString('utf8').replace(/Message-ID: <[^>]+>/i, 'Message-ID: <not-ours@example.org>')) };
      await assert.rejects(
        client.sendMail({ envelope: { from: '', to: ['bounces@notifications.example.com'] }, raw: dsnFor(unknown, 'ok@example.net') }),
        (e: any) => e.responseCode === 550,
      );
      // A valid return path, but the report quotes another message (here: a hotel notification).
      const notification = smarthost.mails.find((m) => m.to.includes(HOTEL))!;
      const aboutNotification = { ...notification, from: sent.from };
      await assert.rejects(
        client.sendMail({ envelope: { from: '', to: [sent.from] }, raw: dsnFor(aboutNotification, 'ok@example.net') }),
        (e: any) => e.responseCode === 550,
      );
      const r = await rebound.api('GET', `/v1/messages/${messageId}`, { token: apiKey });
      assert.equal(r.body.recipients.find((x: any) => x.address === 'ok@example.net').status, 'sent', 'the forged bounces changed nothing');
    });

    it('counts a repeated DSN once and sends no second notification', async () => {
      const sent = smarthost.mails.find((m) => m.to.includes(FULL_GUEST))!;
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: rebound.smtpPort, secure: false, ignoreTLS: true });
      await client.sendMail({ envelope: { from: '', to: [sent.from] }, raw: dsnFor(sent, FULL_GUEST) });
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(smarthost.mails.filter((m) => m.to.includes(HOTEL)).length, 2);
    });

    it("keeps one hotel's messages from another hotel's key", async () => {
      const other = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Gasthof Post', notificationEmail: 'info@gasthof.example.com' } });
      const r = await rebound.api('GET', `/v1/messages/${messageId}`, { token: other.body.apiKey });
      assert.equal(r.status, 404);
      const list = await rebound.api('GET', '/v1/messages', { token: other.body.apiKey });
      assert.deepEqual(list.body.data, []);
      const t = await rebound.api('GET', `/v1/tenants/${tenantId}`, { token: other.body.apiKey });
      assert.equal(t.status, 404);
    });

    it('sends nothing twice after a restart', async () => {
      const before = smarthost.mails.length;
      rebound = await rebound.restart();
      await rebound.running.worker!.runOnce();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(smarthost.mails.length, before);
      const r = await rebound.api('GET', `/v1/messages/${messageId}`, { token: apiKey });
      assert.equal(r.body.events.filter((e: any) => e.type === 'notified').length, 2);
    });
  });
}
