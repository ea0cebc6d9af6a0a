import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Resolves when `n` mails in total have arrived (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on port 0 that keeps what it accepts. `rcptVerdict` may reject a
 * recipient the way a real MTA does (an Error with responseCode), `onMail` reacts to accepted mail.
 */
export async function startSmtpSink(opts: {
  rcptVerdict?: (address: string) => { code: number; message: string } | null;
  onMail?: (mail: ReceivedMail) => void | Promise<void>;
  serverOptions?: Partial<SMTPServerOptions>;
} = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters: { n: number; resolve: (m: ReceivedMail[]) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const v = opts.rcptVerdict?.(address.address);
      if (v) {
        const e = new Error(v.message) as Error & { responseCode: number };
        e.responseCode = v.code;
        return cb(e);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        mails.push(mail);
        cb();
        for (const w of [...waiters]) if (mails.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(mails.slice()); }
        void opts.onMail?.(mail);
      });
    },
    ...opts.serverOptions,
  });
  // A client that dies mid-session (a killed worker) resets its connection: normal for a sink, not a test failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    mails,
    waitFor(n, timeoutMs = 10_000) {
      if (mails.length >= n) return Promise.resolve(mails.slice());
      return new Promise((resolve, reject) => {
        const w = { n, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) { waiters.splice(i, 1); reject(new Error(`timed out waiting for ${n} mails, have ${mails.length}`)); }
        }, timeoutMs).unref();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
