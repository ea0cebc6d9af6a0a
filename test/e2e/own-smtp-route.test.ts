import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { ImapFlow } from 'imapflow';
import { startRebound, ADMIN, TEST_SECRET, eventually, type TestInstance } from '../helpers/rebound.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startSmtpServer, type TestSmtpServer, RECIPIENT_REFUSED_REPLY } from '../helpers/smtp-servers.ts';
import { testCertificates, type TestCertificates } from '../helpers/certificates.ts';
import { dovecotAvailable, startDovecot, type TestDovecot } from '../helpers/dovecot.ts';
import { checkAllMailboxes } from '../../src/app/imap-watchers.ts';

const PASSWORD = 'correct-horse';
const HOTEL = 'reception@hotel.example.com';

describe('the connection test as a probe into the platform network', () => {
  it('refuses loopback and private hosts unless the operator allows them, for tests and for sending', async () => {
    const sink = await startSmtpSink();
    const hotelServer = await startSmtpServer({});
    const rebound = await startRebound({ env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_RETRY_BASE_SECONDS: '1' } });
    try {
      const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: {
        name: 'Hotel', notificationEmail: HOTEL,
        route: { type: 'smtp', host: '127.0.0.1', port: hotelServer.port, username: 'hotel', password: PASSWORD, security: 'none' },
      } });
      for (const host of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1']) {
        const r = await rebound.api('POST', `/v1/tenants/${t.body.id}/route/test`, { token: t.body.apiKey, body: { route: { type: 'smtp', host, port: 4222, username: 'u', password: 'p', security: 'none' } } });
        assert.equal(r.status, 400, host);
        assert.equal(r.body.error.field, 'route.host');
        assert.match(r.body.error.message, /REBOUND_SMTP_ALLOW_PRIVATE_HOSTS/);
      }
      const m = await rebound.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to: 'g@example.net', subject: 's', text: 'x' } });
      const msg = await eventually(async () => {
        const r = await rebound.api('GET', `/v1/messages/${m.body.id}`, { token: t.body.apiKey });
        return r.body.recipients[0].attempts >= 1 && r.body.status !== 'queued' ? r.body : null;
      }, 10_000, 'an attempt');
      assert.equal(msg.status, 'deferred', 'deferred, never sent to the forbidden host');
      assert.equal(hotelServer.received.length, 0);
    } finally {
      await rebound.destroy();
      await sink.close();
      await hotelServer.stop();
    }
  });
});

describe("a hotel's own SMTP server as its route", () => {
  let certs: TestCertificates;
  let hotelServer: TestSmtpServer;
  let platformRelay: SmtpSink;
  let rebound: TestInstance;
  let tenantId: string;
  let key: string;
  let dovecot: TestDovecot | null = null;

  before(async () => {
    certs = await testCertificates();
    // The hotel's server: STARTTLS with a certificate from a private CA; refuses Rebound's VERP sender
    // (as many hotel servers do: "sender not owned by user"), and one guest at RCPT.
    hotelServer = await startSmtpServer({
      certificate: certs.valid,
      refuseSender: (a) => a.startsWith('bounces+'),
      refuseRecipient: (a) => a === 'gone@example.net',
    });
    platformRelay = await startSmtpSink();
    // The hotel's test server is on loopback, which hotels may only use when the operator allows it.
    rebound = await startRebound({ env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${platformRelay.port}`, REBOUND_SMTP_ALLOW_PRIVATE_HOSTS: 'true' } });
    if (dovecotAvailable()) dovecot = await startDovecot();
    const created = await rebound.api('POST', '/v1/tenants', {
      token: ADMIN,
      body: {
        name: 'Hotel Seeblick', notificationEmail: HOTEL, language: 'de', sender: { fromEmail: HOTEL },
        route: { type: 'smtp', host: '127.0.0.1', port: hotelServer.port, username: 'hotel', password: PASSWORD, security: 'starttls', caCertificate: certs.ca.cert },
        ...(dovecot ? { imap: { host: '127.0.0.1', port: dovecot.port, tls: false, username: dovecot.username, password: dovecot.password } } : {}),
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    tenantId = created.body.id;
    key = created.body.apiKey;
  });

  after(async () => {
    await rebound?.destroy();
    await hotelServer?.stop();
    await platformRelay?.close();
    await dovecot?.stop();
  });

  it('never returns the password and stores only ciphertext', async () => {
    const read = await rebound.api('GET', `/v1/tenants/${tenantId}`, { token: ADMIN });
    assert.equal(read.body.route.passwordSet, true);
    assert.equal(read.body.route.password, undefined);
    assert.ok(!JSON.stringify(read.body).includes(PASSWORD));
    const row = await rebound.running.ctx.db.kysely.selectFrom('tenants').select(['route_json', 'settings_json']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    assert.ok(!row.route_json.includes(PASSWORD), 'the stored route holds no plaintext password');
    assert.match(JSON.parse(row.route_json).password, /^rb1\./);
    if (dovecot) assert.ok(!row.settings_json.includes(dovecot.password));
  });

  it('refuses invalid route settings with the field named', async () => {
    const r = await rebound.api('PATCH', `/v1/tenants/${tenantId}`, { token: ADMIN, body: { route: { type: 'smtp', host: 'smtp://mail.example.com', port: 587, username: 'x', security: 'starttls' } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'route.host');
    const p = await rebound.api('PATCH', `/v1/tenants/${tenantId}`, { token: ADMIN, body: { route: { type: 'smtp', host: 'mail.example.com', port: 70000, username: 'x', security: 'starttls' } } });
    assert.equal(p.body.error.field, 'route.port');
  });

  it('tests the stored connection and explains a wrong password with the server reply', async () => {
    const ok = await rebound.api('POST', `/v1/tenants/${tenantId}/route/test`, { token: key });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    const bad = await rebound.api('POST', `/v1/tenants/${tenantId}/route/test`, {
      token: key,
      body: { route: { type: 'smtp', host: '127.0.0.1', port: hotelServer.port, username: 'hotel', password: 'wrong', security: 'starttls', caCertificate: certs.ca.cert } },
    });
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.problem, 'auth');
    assert.match(bad.body.detail, /535/);
    assert.ok(bad.body.message.length > 10);
    const untrusted = await rebound.api('POST', `/v1/tenants/${tenantId}/route/test`, {
      token: key, body: { route: { type: 'smtp', host: '127.0.0.1', port: hotelServer.port, username: 'hotel', security: 'starttls' } },
    });
    assert.equal(untrusted.body.problem, 'certificate', JSON.stringify(untrusted.body));
  });

  it("sends through the hotel's server over STARTTLS with the hotel's sender when the VERP sender is refused", async () => {
    const r = await rebound.api('POST', '/v1/messages', { token: key, body: { to: ['anna@example.net', 'gone@example.net'], subject: 'Ihre Rechnung', text: 'Anbei.' } });
    assert.equal(r.status, 202);
    const msg = await eventually(async () => {
      const m = await rebound.api('GET', `/v1/messages/${r.body.id}`, { token: key });
      return m.body.recipients.every((x: any) => x.status !== 'queued' && x.status !== 'deferred') ? m.body : null;
    }, 15_000, 'both recipients settled');
    const anna = msg.recipients.find((x: any) => x.address === 'anna@example.net');
    assert.equal(anna.status, 'sent');
    assert.equal(anna.envelopeFrom, HOTEL);
    assert.equal(hotelServer.received.length, 1);
    assert.equal(hotelServer.received[0]!.from, HOTEL);
    const gone = msg.recipients.find((x: any) => x.address === 'gone@example.net');
    assert.equal(gone.status, 'bounced');
    assert.equal(gone.diagnostic, `550 ${RECIPIENT_REFUSED_REPLY.replace('{address}', 'gone@example.net')}`);
  });

  it("tells the hotel about the RCPT rejection through the platform relay, not through the hotel's server", async () => {
    const notes = await platformRelay.waitFor(1);
    assert.equal(notes.length, 1);
    assert.deepEqual(notes[0]!.to, [HOTEL]);
    const parsed = await simpleParser(notes[0]!.raw);
    assert.equal(parsed.subject, 'E-Mail-Nachricht konnte nicht zugestellt werden');
    assert.ok(parsed.text!.includes(RECIPIENT_REFUSED_REPLY.replace('{address}', 'gone@example.net')));
    assert.equal(hotelServer.received.length, 1, 'nothing else went through the hotel server');
  });

  it("records a bounce found in the hotel's mailbox and moves only that mail", async (t) => {
    if (!dovecot) return t.skip('dovecot-imapd is not installed (.ci/run installs it)');
    const sent = hotelServer.received[0]!;
    const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(sent.raw.toString())![1];
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.username, pass: dovecot.password }, logger: false });
    await client.connect();
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mail.hotel.example.com>', `To: ${HOTEL}`, 'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
      '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mail.hotel.example.com', '',
      'Final-Recipient: rfc822; anna@example.net', 'Action: failed', 'Status: 5.2.2',
      'Diagnostic-Code: smtp; 552 5.2.2 anna@example.net: mailbox full', '',
      '--b', 'Content-Type: text/rfc822-headers', '', `Message-ID: ${messageId}`, `From: ${HOTEL}`, 'To: anna@example.net', 'Subject: Ihre Rechnung', '',
      '--b--', '',
    ].join('\r\n');
    await client.append('INBOX', dsn);
    await client.append('INBOX', `From: guest@example.net\r\nTo: ${HOTEL}\r\nSubject: Frage zur Buchung\r\nMessage-ID: <question-1@example.net>\r\n\r\nHaben Sie Parkplaetze?\r\n`, ['\\Seen']);
    await client.logout();

    const moved = await checkAllMailboxes(rebound.running.ctx);
    assert.equal(moved, 1);
    const again = await checkAllMailboxes(rebound.running.ctx);
    assert.equal(again, 0, 'the stored cursor means nothing is looked at twice');

    const list = await rebound.api('GET', '/v1/messages?limit=1', { token: key });
    const m = await rebound.api('GET', `/v1/messages/${list.body.data[0].id}`, { token: key });
    const anna = m.body.recipients.find((x: any) => x.address === 'anna@example.net');
    assert.equal(anna.status, 'bounced');
    assert.equal(anna.reason, 'mailboxfull');
    assert.ok(m.body.events.some((e: any) => e.type === 'bounced' && e.source === 'imap'));

    const check = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.username, pass: dovecot.password }, logger: false });
    await check.connect();
    const inbox = await check.status('INBOX', { messages: true });
    assert.ok(inbox, 'INBOX status');
    assert.ok(inbox, 'INBOX status');
    assert.equal(inbox.messages, 1, 'the guest question stayed in the inbox');
    await check.logout();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(platformRelay.mails.length, 1, 'no notification for a bounce the hotel already has (the default)');
  });

  it('keeps working across a secret-key rotation, and never logs the password', async () => {
    const newSecret = 'a-brand-new-secret-key-for-rotation-0123456789';
    rebound = await rebound.restart();
    await rebound.stop();
    rebound = await startRebound({
      databaseUrl: rebound.config.databaseUrl, dataDir: rebound.config.dataDir,
      env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${platformRelay.port}`, REBOUND_SMTP_ALLOW_PRIVATE_HOSTS: 'true', REBOUND_SECRET_KEY: newSecret, REBOUND_PREVIOUS_SECRET_KEYS: TEST_SECRET },
    });
    const out = spawnSync(process.execPath, [resolve('bin/rebound.js'), 'rotate-secret-key', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, REBOUND_DATABASE_URL: rebound.config.databaseUrl, REBOUND_SECRET_KEY: newSecret, REBOUND_PREVIOUS_SECRET_KEYS: TEST_SECRET, REBOUND_ADMIN_TOKEN: ADMIN, REBOUND_DATA_DIR: rebound.config.dataDir },
    });
    assert.equal(out.status, 0, out.stderr);
    const result = JSON.parse(out.stdout);
    assert.ok(result.secrets >= 1);
    await rebound.stop();
    // Now without the old key: everything must still open.
    rebound = await startRebound({
      databaseUrl: rebound.config.databaseUrl, dataDir: rebound.config.dataDir,
      env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${platformRelay.port}`, REBOUND_SMTP_ALLOW_PRIVATE_HOSTS: 'true', REBOUND_SECRET_KEY: newSecret, REBOUND_LOG_LEVEL: 'debug' },
    });
    const before = hotelServer.received.length;
    const r = await rebound.api('POST', '/v1/messages', { token: key, body: { to: 'bert@example.net', subject: 'Nach der Rotation', text: 'x' } });
    await eventually(async () => hotelServer.received.length > before, 15_000, 'a send after rotation');
    const ok = await rebound.api('POST', `/v1/tenants/${tenantId}/route/test`, { token: key });
    assert.equal(ok.body.ok, true);
    // A failing login is logged loudly; the password must not be in any line.
    await rebound.api('PATCH', `/v1/tenants/${tenantId}`, { token: ADMIN, body: { route: { type: 'smtp', host: '127.0.0.1', port: hotelServer.port, username: 'hotel', password: 'Wrong-Secret-42', security: 'starttls', caCertificate: certs.ca.cert } } });
    await rebound.api('POST', '/v1/messages', { token: key, body: { to: 'carl@example.net', subject: 'x', text: 'x' } });
    await eventually(async () => rebound.logs.some((l) => l.includes('route misconfigured')), 10_000, 'the auth failure in the log');
    assert.ok(!rebound.logs.join('\n').includes('Wrong-Secret-42'));
    assert.ok(!rebound.logs.join('\n').includes(PASSWORD));
    assert.ok(r.status === 202);
  });
});
