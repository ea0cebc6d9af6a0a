import net from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { ServerCertificate } from './certificates.ts';

/**
 * Real SMTP servers for tests, each on its own port 0 on 127.0.0.1, closed by `stop()`.
 * The replies are those of real servers (Postfix wording), so the tests read like support cases.
 */

/** Postfix, smtpd_sender_login_maps: the logged-in user may not use a foreign envelope sender. */
export const SENDER_REFUSED_REPLY = '5.7.1 <{address}>: Sender address rejected: not owned by user hotel';
/** Postfix, virtual mailbox lookup failed. */
export const RECIPIENT_REFUSED_REPLY = '5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table';
/** Postfix / Dovecot SASL. */
export const AUTH_FAILED_REPLY = '5.7.8 Error: authentication failed: authentication failure';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  user: string | undefined;
}

export interface TestSmtpServerOptions {
  /** Implicit TLS (smtps) instead of plain with STARTTLS. */
  implicitTls?: boolean;
  /** Certificate to present; without one (and without implicitTls) the server offers no STARTTLS. */
  certificate?: ServerCertificate;
  /** Mechanisms advertised; default PLAIN and LOGIN. */
  authMethods?: Array<'PLAIN' | 'LOGIN'>;
  /** Accepted credentials; default hotel / correct-horse. */
  users?: Record<string, string>;
  /** MAIL FROM addresses refused with SENDER_REFUSED_REPLY. */
  refuseSender?: (address: string) => boolean;
  /** RCPT TO addresses refused with RECIPIENT_REFUSED_REPLY. */
  refuseRecipient?: (address: string) => boolean;
  /** Never answers after the message's final dot (a server that hangs). */
  hangAfterData?: boolean;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMessage[];
  /** Every MAIL FROM the server saw, accepted or not. */
  mailFrom: string[];
  /** Every successful login, with the mechanism used. */
  logins: Array<{ user: string; method: string }>;
  stop(): Promise<void>;
}

function smtpError(reply: string, address: string, code: number): Error {
  return Object.assign(new Error(reply.replace('{address}', address)), { responseCode: code });
}

export async function startSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const users = options.users ?? { hotel: 'correct-horse' };
  const received: ReceivedMessage[] = [];
  const mailFrom: string[] = [];
  const logins: Array<{ user: string; method: string }> = [];
  const tlsCapable = !!options.certificate;
  const serverOptions: SMTPServerOptions = {
    secure: !!options.implicitTls,
    key: options.certificate?.key,
    cert: options.certificate?.cert,
    disabledCommands: tlsCapable ? [] : ['STARTTLS'],
    authMethods: options.authMethods ?? ['PLAIN', 'LOGIN'],
    // The no-TLS servers must still take AUTH, as plain hotel servers do on port 25.
    allowInsecureAuth: true,
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 200,
    size: 10 * 1024 * 1024,
    onAuth(auth, session, callback) {
      if (auth.username && users[auth.username] === auth.password) {
        logins.push({ user: auth.username, method: auth.method });
        return callback(null, { user: auth.username });
      }
      return callback(smtpError(AUTH_FAILED_REPLY, '', 535));
    },
    onMailFrom(address, session, callback) {
      mailFrom.push(address.address);
      if (!session.user) return callback(smtpError('5.7.0 Authentication required', '', 530));
      if (options.refuseSender?.(address.address)) return callback(smtpError(SENDER_REFUSED_REPLY, address.address, 553));
      callback();
    },
    onRcptTo(address, session, callback) {
      if (options.refuseRecipient?.(address.address)) return callback(smtpError(RECIPIENT_REFUSED_REPLY, address.address, 550));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (options.hangAfterData) return;
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: session.user as string | undefined,
        });
        callback(null, 'Ok: queued as 4XyZ12');
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => {}); // a client dropping mid-handshake is part of the tests
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    mailFrom,
    logins,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Accepts TCP connections and never says a word (a firewall that swallows, a wedged server). */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that was just free and is now closed: connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
