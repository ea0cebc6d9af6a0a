import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testSmtpRoute, type SmtpRouteTestOptions } from '../../src/app/test-smtp-route.ts';
import { smtpRouteSchema, type SmtpRouteInput } from '../../src/domain/smtp-route.ts';
import { testCertificates, type TestCertificates } from '../helpers/certificates.ts';
import { AUTH_FAILED_REPLY, closedPort, startSilentServer, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-servers.ts';

const VERP = 'bounces+test1-0123456789abcdef@notifications.example.com';
const HOTEL = 'reception@hotel-example.com';
const TIMEOUT_MS = 400;

function route(port: number, overrides: Partial<SmtpRouteInput> = {}) {
  return smtpRouteSchema.parse({ type: 'smtp', host: '127.0.0.1', port, username: 'hotel', password: 'correct-horse', security: 'starttls', ...overrides });
}

const options = (overrides: Partial<SmtpRouteTestOptions> = {}): SmtpRouteTestOptions => ({
  language: 'en',
  verpSender: VERP,
  hotelAddress: HOTEL,
  timeoutMs: TIMEOUT_MS,
  ...overrides,
});

describe('the connection test of a hotel SMTP route', () => {
  let certs: TestCertificates;
  const stops: Array<() => Promise<void>> = [];
  const start = async (serverOptions: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> => {
    const server = await startSmtpServer(serverOptions);
    stops.push(server.stop);
    return server;
  };
  before(async () => {
    certs = await testCertificates();
  });
  after(async () => {
    await Promise.all(stops.map((stop) => stop()));
  });

  describe('succeeds', () => {
    it('over implicit TLS with a private CA and AUTH PLAIN, trying the VERP sender and sending nothing', async () => {
      const server = await start({ implicitTls: true, certificate: certs.valid });
      const result = await testSmtpRoute(route(server.port, { security: 'tls', caCertificate: certs.ca.cert }), options({ language: 'de' }));
      assert.equal(result.ok, true, result.detail);
      assert.equal(result.problem, null);
      assert.match(result.message, /^Die Verbindung funktioniert: 127\.0\.0\.1 \(Port \d+\) ist erreichbar und verschlüsselt/);
      assert.match(result.detail, /encrypted: TLSv1\.3/);
      assert.match(result.detail, new RegExp(`MAIL FROM:<${VERP.replace(/[+.]/g, '\\$&')}>: 250`));
      assert.deepEqual(server.mailFrom, [VERP]);
      assert.deepEqual(server.logins, [{ user: 'hotel', method: 'PLAIN' }]);
      assert.equal(server.received.length, 0);
    });

    it('over STARTTLS with a pinned self-signed certificate and AUTH LOGIN', async () => {
      const server = await start({ certificate: certs.selfSigned, authMethods: ['LOGIN'] });
      const result = await testSmtpRoute(route(server.port, { pinnedCertificateSha256: certs.selfSigned.sha256 }), options());
      assert.equal(result.ok, true, result.detail);
      assert.deepEqual(server.logins, [{ user: 'hotel', method: 'LOGIN' }]);
      assert.equal(server.received.length, 0);
    });

    it('unencrypted with security "none", and says that it is not encrypted', async () => {
      const server = await start({});
      const result = await testSmtpRoute(route(server.port, { security: 'none' }), options());
      assert.equal(result.ok, true, result.detail);
      assert.match(result.message, /NOT encrypted/);
    });

    it('unencrypted when STARTTLS is missing but allowPlaintextFallback is set', async () => {
      const server = await start({});
      const result = await testSmtpRoute(route(server.port, { allowPlaintextFallback: true }), options());
      assert.equal(result.ok, true, result.detail);
      assert.match(result.detail, /no STARTTLS/);
    });

    it('with the hotel address when the server refuses the VERP sender, and explains that bounces go to the hotel mailbox', async () => {
      const server = await start({ certificate: certs.valid, refuseSender: (a) => a.startsWith('bounces+') });
      const result = await testSmtpRoute(route(server.port, { caCertificate: certs.ca.cert }), options());
      assert.equal(result.ok, true, result.detail);
      assert.match(result.message, /hotel's address reception@hotel-example\.com as sender/);
      assert.deepEqual(server.mailFrom, [VERP, HOTEL]);
    });
  });

  describe('diagnoses', () => {
    it('"dns" when the server name does not resolve', async () => {
      const result = await testSmtpRoute(route(587, { host: 'mail.hotel-example.invalid' }), options({ language: 'de' }));
      assert.equal(result.ok, false);
      assert.equal(result.problem, 'dns');
      assert.match(result.message, /„mail\.hotel-example\.invalid“ wurde nicht gefunden/);
      assert.match(result.detail, /mail\.hotel-example\.invalid/);
    });

    it('"refused" when nothing listens on the port', async () => {
      const port = await closedPort();
      const result = await testSmtpRoute(route(port), options());
      assert.equal(result.problem, 'refused');
      assert.match(result.message, /refused the connection on port/);
      assert.match(result.detail, /^ECONNREFUSED/);
    });

    it('"timeout" when the server accepts the connection and never answers', async () => {
      const silent = await startSilentServer();
      stops.push(silent.stop);
      const started = Date.now();
      const result = await testSmtpRoute(route(silent.port), options());
      assert.equal(result.problem, 'timeout');
      assert.match(result.message, /did not answer/);
      assert.ok(Date.now() - started < 10 * TIMEOUT_MS);
    });

    it('"timeout" also with implicit TLS against a server that never answers', async () => {
      const silent = await startSilentServer();
      stops.push(silent.stop);
      const result = await testSmtpRoute(route(silent.port, { security: 'tls' }), options());
      assert.equal(result.problem, 'timeout');
    });

    it('"tls-mismatch" for implicit TLS against a STARTTLS port, showing what the port answers', async () => {
      const server = await start({ certificate: certs.valid });
      const result = await testSmtpRoute(route(server.port, { security: 'tls', caCertificate: certs.ca.cert }), options());
      assert.equal(result.problem, 'tls-mismatch');
      assert.match(result.message, /does not use SSL\/TLS from the start\. Choose "STARTTLS"/);
      assert.match(result.detail, /the port answers without TLS: 220 /);
      assert.equal(server.logins.length, 0);
    });

    it('"tls-mismatch" for STARTTLS against an implicit-TLS port', async () => {
      const server = await start({ implicitTls: true, certificate: certs.valid });
      const result = await testSmtpRoute(route(server.port, { caCertificate: certs.ca.cert }), options());
      assert.equal(result.problem, 'tls-mismatch');
      assert.match(result.message, /expects SSL\/TLS from the start\. Choose "SSL\/TLS"/);
    });

    it('"tls-mismatch" for a plain connection against an implicit-TLS port', async () => {
      const server = await start({ implicitTls: true, certificate: certs.valid });
      const result = await testSmtpRoute(route(server.port, { security: 'none' }), options({ language: 'de' }));
      assert.equal(result.problem, 'tls-mismatch');
      assert.match(result.message, /erwartet direktes SSL\/TLS/);
    });

    it('"tls-mismatch" when security is "starttls" and the server offers no STARTTLS, showing its EHLO reply', async () => {
      const server = await start({});
      const result = await testSmtpRoute(route(server.port), options());
      assert.equal(result.problem, 'tls-mismatch');
      assert.match(result.message, /offers no STARTTLS/);
      assert.match(result.detail, /^250-/);
      assert.equal(server.logins.length, 0);
    });

    it('"certificate" for a self-signed certificate, showing its fingerprint so it can be pinned', async () => {
      const server = await start({ certificate: certs.selfSigned });
      const result = await testSmtpRoute(route(server.port), options());
      assert.equal(result.problem, 'certificate');
      assert.match(result.message, /self-signed/);
      assert.match(result.detail, /^DEPTH_ZERO_SELF_SIGNED_CERT/);
      assert.ok(result.detail.includes(certs.selfSigned.sha256));
      assert.equal(server.logins.length, 0);
    });

    it('"certificate" for a certificate from an authority that is not trusted', async () => {
      const server = await start({ implicitTls: true, certificate: certs.valid });
      const result = await testSmtpRoute(route(server.port, { security: 'tls' }), options());
      assert.equal(result.problem, 'certificate');
      assert.match(result.message, /not issued by a trusted authority/);
      assert.match(result.detail, /^UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    });

    it('"certificate" for an expired certificate', async () => {
      const server = await start({ certificate: certs.expired });
      const result = await testSmtpRoute(route(server.port, { caCertificate: certs.ca.cert }), options({ language: 'de' }));
      assert.equal(result.problem, 'certificate');
      assert.match(result.message, /abgelaufen/);
      assert.match(result.detail, /^CERT_HAS_EXPIRED/);
    });

    it('"certificate" for a certificate issued for another name', async () => {
      const server = await start({ implicitTls: true, certificate: certs.wrongName });
      const result = await testSmtpRoute(route(server.port, { security: 'tls', caCertificate: certs.ca.cert }), options());
      assert.equal(result.problem, 'certificate');
      assert.match(result.message, /different name than "127\.0\.0\.1"/);
      assert.match(result.detail, /mail\.example\.com/);
    });

    it('"certificate" when the pinned fingerprint does not match, and never sends the password', async () => {
      const server = await start({ certificate: certs.selfSigned });
      const result = await testSmtpRoute(route(server.port, { pinnedCertificateSha256: certs.valid.sha256 }), options());
      assert.equal(result.problem, 'certificate');
      assert.match(result.message, /different certificate than the one whose fingerprint is stored/);
      assert.match(result.detail, /^ERR_REBOUND_CERT_PIN_MISMATCH/);
      assert.ok(result.detail.includes(certs.selfSigned.sha256));
      assert.equal(server.logins.length, 0);
    });

    it('"auth" when AUTH PLAIN fails, with the server reply verbatim', async () => {
      const server = await start({ certificate: certs.valid });
      const result = await testSmtpRoute(route(server.port, { caCertificate: certs.ca.cert, password: 'wrong' }), options({ language: 'de' }));
      assert.equal(result.problem, 'auth');
      assert.match(result.message, /Anmeldung für den Benutzer „hotel“ abgelehnt/);
      assert.equal(result.detail, `535 ${AUTH_FAILED_REPLY}`);
    });

    it('"auth" when AUTH LOGIN fails, with the server reply verbatim', async () => {
      const server = await start({ implicitTls: true, certificate: certs.valid, authMethods: ['LOGIN'] });
      const result = await testSmtpRoute(route(server.port, { security: 'tls', caCertificate: certs.ca.cert, username: 'nobody' }), options());
      assert.equal(result.problem, 'auth');
      assert.equal(result.detail, `535 ${AUTH_FAILED_REPLY}`);
    });

    it('"sender-refused" when the VERP sender is refused and the hotel has no address, with the reply verbatim', async () => {
      const server = await start({ certificate: certs.valid, refuseSender: (a) => a.startsWith('bounces+') });
      const result = await testSmtpRoute(route(server.port, { caCertificate: certs.ca.cert }), options({ hotelAddress: null }));
      assert.equal(result.problem, 'sender-refused');
      assert.match(result.message, /does not accept Rebound's bounce address/);
      assert.equal(result.detail, `553 5.7.1 <${VERP}>: Sender address rejected: not owned by user hotel`);
      assert.equal(server.received.length, 0);
    });

    it('"sender-refused" when the route sends as the hotel and the server refuses that address', async () => {
      const server = await start({ certificate: certs.valid, refuseSender: () => true });
      const result = await testSmtpRoute(route(server.port, { caCertificate: certs.ca.cert, envelopeSender: 'hotel' }), options());
      assert.equal(result.problem, 'sender-refused');
      assert.match(result.message, /does not accept reception@hotel-example\.com as sender for user "hotel"/);
      assert.deepEqual(server.mailFrom, [HOTEL]);
    });
  });
});
