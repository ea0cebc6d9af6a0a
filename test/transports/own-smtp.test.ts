import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OwnSmtpRouteError, createOwnSmtpTransport, type OwnSmtpTransportOptions } from '../../src/adapters/transports/own-smtp.ts';
import type { OutboundMail } from '../../src/adapters/transports/types.ts';
import { smtpRouteSchema, type SmtpRouteInput } from '../../src/domain/smtp-route.ts';
import { testCertificates, type TestCertificates } from '../helpers/certificates.ts';
import { closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-servers.ts';

const VERP = 'bounces+r1a2b3-0123456789abcdef@notifications.example.com';
const HOTEL = 'reception@hotel-example.com';

function mail(to = ['guest@example.net']): OutboundMail {
  const raw = Buffer.from(
    [
      'From: Hotel Example <reception@hotel-example.com>',
      `To: ${to.join(', ')}`,
      'Subject: Ihre Buchungsbestätigung',
      'Message-ID: <m1.test@rebound.example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Wir freuen uns auf Ihren Besuch.',
      '.leading dot survives dot-stuffing',
      '',
    ].join('\r\n'),
  );
  return { envelopeFrom: VERP, envelopeTo: to, raw, messageId: '<m1.test@rebound.example.com>', reference: 'm1' };
}

function route(port: number, overrides: Partial<SmtpRouteInput>) {
  return smtpRouteSchema.parse({
    type: 'smtp',
    host: '127.0.0.1',
    port,
    username: 'hotel',
    password: 'correct-horse',
    security: 'starttls',
    ...overrides,
  });
}

const transportOptions: OwnSmtpTransportOptions = { hotelAddress: HOTEL, timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 5000 } };

/** Servers started by one describe block (stopped after it), and the certificates they use. */
function hotelServers() {
  const fx = {
    certs: undefined as unknown as TestCertificates,
    servers: [] as TestSmtpServer[],
    async start(options: Parameters<typeof startSmtpServer>[0]) {
      const server = await startSmtpServer(options);
      fx.servers.push(server);
      return server;
    },
  };
  before(async () => {
    fx.certs = await testCertificates();
  });
  after(async () => {
    await Promise.all(fx.servers.map((s) => s.stop()));
  });
  return fx;
}

describe('the hotel route sends', () => {
  const fx = hotelServers();
  const start = fx.start;

  it('over implicit TLS when the server certificate is signed by the private CA the hotel gave', async () => {
    const server = await start({ implicitTls: true, certificate: fx.certs.valid });
    const transport = createOwnSmtpTransport(route(server.port, { security: 'tls', caCertificate: fx.certs.ca.cert }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.equal(result.recipients[0]!.replyCode, '250');
    assert.equal(result.remoteId, '4XyZ12');
    assert.equal(result.envelopeFrom, VERP);
    assert.equal(server.received.length, 1);
    assert.equal(server.received[0]!.from, VERP);
    assert.match(server.received[0]!.raw.toString(), /\r\n\.leading dot survives/);
    assert.deepEqual(server.logins, [{ user: 'hotel', method: 'PLAIN' }]);
  });

  it('over STARTTLS when the server certificate is signed by the private CA the hotel gave', async () => {
    const server = await start({ certificate: fx.certs.valid });
    const transport = createOwnSmtpTransport(route(server.port, { security: 'starttls', caCertificate: fx.certs.ca.cert }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.equal(server.received.length, 1);
  });

  it('over STARTTLS to a self-signed server whose certificate fingerprint is pinned', async () => {
    const server = await start({ certificate: fx.certs.selfSigned });
    const transport = createOwnSmtpTransport(route(server.port, { pinnedCertificateSha256: fx.certs.selfSigned.sha256 }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.equal(server.received.length, 1);
  });

  it('over implicit TLS with a pin written in lower case without colons', async () => {
    const server = await start({ implicitTls: true, certificate: fx.certs.selfSigned });
    const pin = fx.certs.selfSigned.sha256.replace(/:/g, '').toLowerCase();
    const transport = createOwnSmtpTransport(route(server.port, { security: 'tls', pinnedCertificateSha256: pin }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
  });

  it('with AUTH LOGIN when that is the only mechanism the server offers', async () => {
    const server = await start({ certificate: fx.certs.valid, authMethods: ['LOGIN'] });
    const transport = createOwnSmtpTransport(route(server.port, { caCertificate: fx.certs.ca.cert }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.deepEqual(server.logins, [{ user: 'hotel', method: 'LOGIN' }]);
  });

  it('only until close() at a shutdown\'s drain deadline cuts a send the server does not answer: deferred, not after the socket timeout', async () => {
    const server = await start({ hangAfterData: true });
    const transport = createOwnSmtpTransport(route(server.port, { security: 'none' }), { ...transportOptions, timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 60_000 } });
    const started = Date.now();
    const sending = transport.send(mail());
    await new Promise((r) => setTimeout(r, 300));
    await transport.close();
    const result = await sending;
    assert.equal(result.recipients[0]!.result, 'deferred');
    assert.match(result.recipients[0]!.response!, /shutting down/);
    assert.ok(Date.now() - started < 5_000, `answered after ${Date.now() - started} ms`);
  });

  it('in plain text when security is "none"', async () => {
    const server = await start({});
    const transport = createOwnSmtpTransport(route(server.port, { security: 'none' }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
  });

  it('with the hotel address as envelope sender when the server refuses the VERP address, and says so', async () => {
    const server = await start({ certificate: fx.certs.valid, refuseSender: (a) => a.startsWith('bounces+') });
    const transport = createOwnSmtpTransport(route(server.port, { caCertificate: fx.certs.ca.cert }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.equal(result.envelopeFrom, HOTEL);
    assert.deepEqual(server.mailFrom, [VERP, HOTEL]);
    assert.equal(server.received.length, 1);
    assert.equal(server.received[0]!.from, HOTEL);
  });

  it('with the hotel address from the start when the route says envelopeSender "hotel"', async () => {
    const server = await start({ certificate: fx.certs.valid });
    const transport = createOwnSmtpTransport(route(server.port, { caCertificate: fx.certs.ca.cert, envelopeSender: 'hotel' }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.envelopeFrom, HOTEL);
    assert.deepEqual(server.mailFrom, [HOTEL]);
  });
});

describe('the hotel route does not send', () => {
  const fx = hotelServers();
  const start = fx.start;

  async function assertDeferredByRoute(promise: Promise<unknown>, problem: string, certificateProblem?: string) {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof OwnSmtpRouteError, `expected OwnSmtpRouteError, got ${String(err)}`);
      assert.equal(err.code, 'REBOUND_ERR_ROUTE_CONFIGURATION');
      assert.equal(err.problem, problem);
      if (certificateProblem) assert.equal(err.certificateProblem, certificateProblem);
      return true;
    });
  }

  it('when the pinned fingerprint does not match, and the password never leaves', async () => {
    const server = await start({ certificate: fx.certs.selfSigned });
    const transport = createOwnSmtpTransport(route(server.port, { pinnedCertificateSha256: fx.certs.valid.sha256 }), transportOptions);
    await assertDeferredByRoute(transport.send(mail()), 'certificate', 'pin-mismatch');
    assert.equal(server.logins.length, 0);
    assert.equal(server.mailFrom.length, 0);
  });

  it('when the pin matches a CA-signed certificate but the CA given does not sign it', async () => {
    const server = await start({ implicitTls: true, certificate: fx.certs.selfSigned });
    const transport = createOwnSmtpTransport(
      route(server.port, { security: 'tls', caCertificate: fx.certs.ca.cert, pinnedCertificateSha256: fx.certs.selfSigned.sha256 }),
      transportOptions,
    );
    await assertDeferredByRoute(transport.send(mail()), 'certificate');
    assert.equal(server.received.length, 0);
  });

  it('when a self-signed certificate is neither pinned nor signed by a given CA', async () => {
    const server = await start({ certificate: fx.certs.selfSigned });
    const transport = createOwnSmtpTransport(route(server.port, {}), transportOptions);
    await assertDeferredByRoute(transport.send(mail()), 'certificate', 'self-signed');
    assert.equal(server.logins.length, 0);
  });

  it('over implicit TLS when the certificate has expired', async () => {
    const server = await start({ implicitTls: true, certificate: fx.certs.expired });
    const transport = createOwnSmtpTransport(route(server.port, { security: 'tls', caCertificate: fx.certs.ca.cert }), transportOptions);
    await assertDeferredByRoute(transport.send(mail()), 'certificate', 'expired');
    assert.equal(server.received.length, 0);
  });

  it('when security is "starttls" and the server offers no STARTTLS', async () => {
    const server = await start({});
    const transport = createOwnSmtpTransport(route(server.port, { security: 'starttls' }), transportOptions);
    await assertDeferredByRoute(transport.send(mail()), 'tls-mismatch');
    assert.equal(server.logins.length, 0);
    assert.equal(server.received.length, 0);
  });

  it('unless allowPlaintextFallback is set, in which case it sends unencrypted', async () => {
    const server = await start({});
    const transport = createOwnSmtpTransport(route(server.port, { security: 'starttls', allowPlaintextFallback: true }), transportOptions);
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.equal(server.received.length, 1);
  });

  it('when the password is wrong, and the error carries the server reply verbatim', async () => {
    const server = await start({ certificate: fx.certs.valid });
    const transport = createOwnSmtpTransport(route(server.port, { caCertificate: fx.certs.ca.cert, password: 'wrong' }), transportOptions);
    await assert.rejects(transport.send(mail()), (err: unknown) => {
      assert.ok(err instanceof OwnSmtpRouteError);
      assert.equal(err.problem, 'auth');
      assert.equal(err.detail, '535 5.7.8 Error: authentication failed: authentication failure');
      return true;
    });
  });

  it('to a recipient the server rejects at RCPT: that recipient fails with the reply verbatim, the others go', async () => {
    const server = await start({ certificate: fx.certs.valid, refuseRecipient: (a) => a.startsWith('nobody@') });
    const transport = createOwnSmtpTransport(route(server.port, { caCertificate: fx.certs.ca.cert }), transportOptions);
    const result = await transport.send(mail(['nobody@example.net', 'guest@example.net']));
    const [nobody, guest] = result.recipients;
    assert.deepEqual(nobody, {
      address: 'nobody@example.net',
      result: 'failed',
      replyCode: '550',
      status: '5.1.1',
      response: '550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
      command: 'RCPT TO',
    });
    assert.equal(guest!.result, 'accepted');
    assert.deepEqual(server.received[0]!.to, ['guest@example.net']);
  });

  it('when the server cannot be reached: every recipient is deferred for a retry, not failed', async () => {
    const port = await closedPort();
    const transport = createOwnSmtpTransport(route(port, {}), transportOptions);
    const result = await transport.send(mail(['a@example.net', 'b@example.net']));
    assert.deepEqual(result.recipients.map((r) => [r.address, r.result, r.replyCode]), [
      ['a@example.net', 'deferred', null],
      ['b@example.net', 'deferred', null],
    ]);
    assert.match(result.recipients[0]!.response ?? '', /ECONNREFUSED/);
  });

  it('when the VERP sender is refused and no hotel address is known: the recipients fail with the reply verbatim', async () => {
    const server = await start({ certificate: fx.certs.valid, refuseSender: (a) => a.startsWith('bounces+') });
    const transport = createOwnSmtpTransport(route(server.port, { caCertificate: fx.certs.ca.cert }), { ...transportOptions, hotelAddress: null });
    const result = await transport.send(mail());
    assert.equal(result.recipients[0]!.result, 'failed');
    assert.equal(result.recipients[0]!.replyCode, '553');
    assert.equal(result.recipients[0]!.command, 'MAIL FROM');
    assert.equal(result.recipients[0]!.response, `553 5.7.1 <${VERP}>: Sender address rejected: not owned by user hotel`);
    assert.equal(server.received.length, 0);
  });
});
