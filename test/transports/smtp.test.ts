import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SmtpTransport } from '../../src/adapters/transports/smtp.ts';
import { RouteConfigurationError } from '../../src/adapters/transports/types.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-servers.ts';

const raw = Buffer.from('From: reception@hotel-example.com\r\nTo: guest@example.net\r\nSubject: Hallo\r\nMessage-ID: <s1@rebound.example.com>\r\n\r\nHallo\r\n');

describe('the generic SMTP transport', () => {
  let server: TestSmtpServer;
  before(async () => {
    server = await startSmtpServer({ refuseRecipient: (a) => a.startsWith('nobody@') });
  });
  after(() => server.stop());

  it('reports a recipient rejected at RCPT as failed, with reply code 550 and the reply verbatim', async () => {
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none', username: 'hotel', password: 'correct-horse' });
    const result = await transport.send({ envelopeFrom: 'bounces+x-0123456789abcdef@notifications.example.com', envelopeTo: ['nobody@example.net'], raw, messageId: '<s1@rebound.example.com>', reference: 's1' });
    await transport.close();
    assert.deepEqual(result.recipients, [
      {
        address: 'nobody@example.net',
        result: 'failed',
        replyCode: '550',
        status: '5.1.1',
        response: '550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table',
        command: 'RCPT TO',
      },
    ]);
    assert.equal(server.received.length, 0);
  });

  it('reports an accepted recipient with the queue id the server gave', async () => {
    const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none', username: 'hotel', password: 'correct-horse' });
    const result = await transport.send({ envelopeFrom: 'reception@hotel-example.com', envelopeTo: ['guest@example.net'], raw, messageId: '<s1@rebound.example.com>', reference: 's1' });
    await transport.close();
    assert.equal(result.recipients[0]!.result, 'accepted');
    assert.equal(result.remoteId, '4XyZ12');
  });

  it('a server that wants AUTH from a route without credentials (530 at MAIL FROM) is the route misconfigured, not a bounce', async () => {
    for (const pool of [undefined, 2]) {
      const transport = new SmtpTransport({ host: '127.0.0.1', port: server.port, security: 'none', pool });
      await assert.rejects(
        transport.send({ envelopeFrom: 'bounces+x-0123456789abcdef@notifications.example.com', envelopeTo: ['guest@example.net'], raw, messageId: '<s1@rebound.example.com>', reference: 's1' }),
        (e: unknown) => {
          assert.ok(e instanceof RouteConfigurationError, String(e));
          assert.match(e.message, /requires authentication/);
          assert.match(e.detail ?? '', /^530 .*authentication required/i);
          return true;
        },
      );
      await transport.close();
    }
  });
});
