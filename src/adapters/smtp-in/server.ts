import { readFileSync } from 'node:fs';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../../app/context.ts';
import { ingestBounce, isCatchAllBounceAddress, lookUpRecipients, recipientIdFromVerp, type KnownRecipient } from '../../app/ingest-bounce.ts';

/**
 * Rebound's inbound listener for the notifications domain. Shaped as ordered checks returning a
 * verdict (Haraka's hooks), with one difference: an exception or timeout in a check answers 451
 * (try again later), never "accept anyway".
 */
export interface InboundListener {
  port: number;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  const e = new Error(text) as Error & { responseCode: number };
  e.responseCode = code;
  return e;
}

export async function startInboundSmtp(ctx: AppContext, opts: { host: string; port: number }): Promise<InboundListener> {
  const maxBytes = ctx.config.maxInboundBytes;
  const maxPerAddress = ctx.config.smtpMaxConnectionsPerAddress;
  const connectionsFrom = new Map<string, number>();
  const counted = new WeakSet<SMTPServerSession>();
  const tls = ctx.config.smtpTlsKeyFile && ctx.config.smtpTlsCertFile
    ? { key: readFileSync(ctx.config.smtpTlsKeyFile), cert: readFileSync(ctx.config.smtpTlsCertFile) }
    : null;

  // The recipient rows read at RCPT, per mail transaction (smtp-server makes a new envelope object for
  // each), handed to the ingest at DATA so they are not read again.
  const known = new WeakMap<object, Map<string, KnownRecipient>>();

  async function checkRecipient(address: string, envelope: object): Promise<Error | null> {
    if (isCatchAllBounceAddress(ctx, address)) return null;
    const recipientId = recipientIdFromVerp(ctx, address);
    // Anything that is not one of our return paths is refused here, so this server is never a relay.
    if (!recipientId) return smtpError(550, '5.7.1 Relaying denied: this server only accepts bounces for messages it sent');
    const [row] = await lookUpRecipients(ctx, [recipientId]);
    if (!row) return smtpError(550, '5.1.1 No such bounce address (message expired or never sent)');
    let rows = known.get(envelope);
    if (!rows) known.set(envelope, rows = new Map());
    rows.set(row.id, row);
    return null;
  }

  const server = new SMTPServer({
    name: ctx.config.notificationsDomain,
    banner: 'Rebound bounce receiver',
    // Bounces arrive from MTAs, which never authenticate.
    authOptional: true,
    disabledCommands: ['AUTH'],
    // STARTTLS only with the operator's certificate: smtp-server's built-in one is a long-expired
    // self-signed placeholder, and offering it would only make careful senders fall back or complain.
    ...(tls ? { key: tls.key, cert: tls.cert } : { hideSTARTTLS: true }),
    // Advertised SIZE (RFC 1870) and enforced below while streaming: a huge message is cut off, not buffered.
    size: maxBytes,
    maxClients: 200,
    // A peer that stops talking is dropped instead of holding a slot forever.
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    logger: false,
    // The client's reverse DNS name is never used (bounces are trusted by VERP token, not by host),
    // and a lookup per connection stalls ingest where the resolver is slow or absent.
    disableReverseLookup: true,
    // One address may not hold every slot (maxClients) with idle connections: past its share it
    // gets a temporary 421, and real MTAs retry later.
    onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const address = session.remoteAddress;
      const open = connectionsFrom.get(address) ?? 0;
      if (open >= maxPerAddress) return callback(smtpError(421, '4.7.0 Too many connections from your address, try again later'));
      connectionsFrom.set(address, open + 1);
      counted.add(session);
      callback();
    },
    onClose(session: SMTPServerSession) {
      if (!counted.delete(session)) return;
      const open = (connectionsFrom.get(session.remoteAddress) ?? 1) - 1;
      if (open <= 0) connectionsFrom.delete(session.remoteAddress);
      else connectionsFrom.set(session.remoteAddress, open);
    },
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      checkRecipient(address.address, session.envelope).then((err) => callback(err), (e) => {
        ctx.log.error({ err: (e as Error).message }, 'inbound RCPT check failed');
        callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
      });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooBig = false;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) tooBig = true;
        else chunks.push(chunk);
      });
      stream.on('error', () => callback(smtpError(451, '4.3.0 Error reading message')));
      stream.on('end', () => {
        if (tooBig || (stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          callback(smtpError(552, `5.3.4 Message too big (limit ${maxBytes} bytes)`));
          return;
        }
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        ingestBounce(ctx, raw, envelope, 'bounce', { known: known.get(session.envelope) }).then((result) => {
          if (result.refused && result.matched.length === 0 && result.inboundId === null) {
            callback(smtpError(550, '5.7.1 Not a report about a message sent by this system'));
          } else {
            callback(null);
          }
        }, (e) => {
          ctx.log.error({ err: (e as Error).message }, 'inbound ingest failed');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        });
      });
    },
  });
  server.on('error', (e) => ctx.log.warn({ err: e.message }, 'inbound SMTP connection error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
