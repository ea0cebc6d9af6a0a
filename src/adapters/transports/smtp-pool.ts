import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';

/**
 * A pool of open SMTP sessions to one server, for the platform relay: each envelope goes out over an
 * idle session (MAIL FROM right after the previous message's final reply, RFC 5321 §4.1.4) or a new
 * one, at most `max` at once; callers beyond that wait for a session.
 *
 * Built on nodemailer's SMTPConnection (the protocol, STARTTLS, AUTH, timeouts, dot-stuffing) rather
 * than its `sendMail`: a message here is already composed, and `sendMail` would parse it into a MIME
 * tree and stream it through four transforms again — 0.46 ms of CPU per message against 0.18 ms for
 * the same bytes handed to the session (bench/pipeline.ts, same sink). The pool's rules are
 * nodemailer's own (smtp-pool/pool-resource.js):
 *   - a refused envelope or message (a 4xx/5xx reply other than 421) leaves the session usable: RSET,
 *     and it serves the next message;
 *   - any other failure (network, timeout, 421, protocol) closes the session;
 *   - a reused session that the server had closed in the meantime, before a byte of the message was
 *     sent, does not fail the message: it is sent once more over a new session;
 *   - a session is closed after `maxMessages` messages and after `idleMs` without one.
 */
export interface SmtpPoolOptions {
  connection: SMTPConnection.Options;
  auth: { user: string; pass: string } | null;
  max: number;
  maxMessages?: number;
  idleMs?: number;
}

export type SmtpSendInfo = SMTPConnection.SentMessageInfo & { rejectedErrors?: (Error & { recipient?: string })[] };

interface Session {
  conn: SMTPConnection;
  messages: number;
  /** Closed or failed: never handed out again. */
  dead: boolean;
  idleTimer: NodeJS.Timeout | null;
  /** Its place in `open` was given back. */
  freed: boolean;
  /** A send is running on it: its callback, not the connection's events, decides what happens next. */
  sending: boolean;
  /** Fails the running send (the pool is closing past a shutdown's deadline). */
  abort: ((err: Error) => void) | null;
}

type Waiter = (s: Session | null) => void;

const TRANSIENT = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT']);

export class SmtpPool {
  private readonly idle: Session[] = [];
  /** Every session open or opening, idle or sending (at most `max`). */
  private readonly sessions = new Set<Session>();
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {}

  async send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<SmtpSendInfo> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.acquire();
      const reused = session.messages > 0;
      const body = Readable.from([raw]);
      try {
        session.sending = true;
        const info = await new Promise<SmtpSendInfo>((resolve, reject) => {
          session.abort = reject;
          // A fresh envelope per attempt: SMTPConnection keeps its per-recipient state on the object.
          session.conn.send({ from: envelope.from, to: [...envelope.to] }, body, (err, info) => (err ? reject(err) : resolve(info as SmtpSendInfo)));
        });
        session.sending = false;
        session.abort = null;
        session.messages++;
        this.release(session);
        return info;
      } catch (e) {
        const err = e as Error & { code?: string; responseCode?: number };
        session.sending = false;
        session.abort = null;
        session.messages++;
        if (reused && attempt === 1 && !body.readableDidRead && (err.responseCode === 421 || TRANSIENT.has(err.code ?? ''))) {
          // The server had ended this idle session: nothing of the message went out, try a fresh one.
          this.discard(session);
          continue;
        }
        if ((err.code === 'EENVELOPE' || err.code === 'EMESSAGE') && err.responseCode !== 421 && !session.dead) {
          // The server refused this message, not the session: RSET and keep it.
          // If the connection ends before the reply, the 'end'/'error' handler frees the session instead.
          session.conn.reset((resetErr) => (resetErr ? this.discard(session) : this.release(session)));
        } else {
          this.discard(session);
        }
        throw err;
      }
    }
  }

  /**
   * Idle sessions say QUIT. Sessions still sending (only when a shutdown's drain deadline has passed)
   * are cut: their sends fail as network errors, so those recipients are retried, never lost.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.idle.splice(0)) this.discard(s, true);
    for (const w of this.waiters.splice(0)) w(null);
    for (const s of [...this.sessions]) {
      if (!s.sending) continue;
      // nodemailer's close() drops the send's callback: fail the send here, then cut the connection.
      s.abort?.(Object.assign(new Error('Connection closed: the process is shutting down'), { code: 'ECONNECTION' }));
      s.conn.close();
    }
  }

  private acquire(): Promise<Session> {
    if (this.closed) return Promise.reject(Object.assign(new Error('The relay connection pool is closed'), { code: 'ECONNECTION' }));
    const s = this.idle.pop();
    if (s) {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.idleTimer = null;
      return Promise.resolve(s);
    }
    if (this.sessions.size < this.options.max) return this.connect();
    return new Promise<Session | null>((resolve) => this.waiters.push(resolve))
      .then((handed) => handed ?? this.acquire());
  }

  /** Opens a session (greeting, EHLO, STARTTLS as configured, AUTH when the server offers it). */
  private connect(): Promise<Session> {
    const conn = new SMTPConnection(this.options.connection);
    const session: Session = { conn, messages: 0, dead: false, idleTimer: null, freed: false, sending: false, abort: null };
    this.sessions.add(session);
    return new Promise<Session>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.discard(session);
        reject(err);
      };
      // A session that ends outside a send (idle, or waiting for its RSET reply — nodemailer drops that
      // callback when the connection closes) leaves the pool here and frees its place. During a send
      // the send's callback gets the error and does that.
      const ended = (err: Error) => {
        session.dead = true;
        fail(err);
        if (!session.sending) this.forget(session);
      };
      conn.on('error', ended);
      conn.once('end', () => ended(Object.assign(new Error('Connection closed before the session was ready'), { code: 'ECONNECTION' })));
      conn.connect(() => {
        const auth = this.options.auth;
        if (!auth || !conn.allowsAuth) {
          settled = true;
          resolve(session);
          return;
        }
        conn.login({ credentials: { user: auth.user, pass: auth.pass } } as SMTPConnection.AuthenticationCredentials, (err) => {
          if (err) return fail(err);
          settled = true;
          resolve(session);
        });
      });
    });
  }

  private release(session: Session): void {
    if (session.dead || this.closed || session.messages >= (this.options.maxMessages ?? 1000)) {
      this.discard(session, !session.dead);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(session);
      return;
    }
    session.idleTimer = setTimeout(() => this.forget(session, true), this.options.idleMs ?? 10_000);
    session.idleTimer.unref();
    this.idle.push(session);
  }

  /** A session out of the idle list (if there) and its place freed: it ended, or idled too long (QUIT). */
  private forget(session: Session, quit = false): void {
    const i = this.idle.indexOf(session);
    if (i >= 0) this.idle.splice(i, 1);
    this.discard(session, quit);
  }

  /** Closes a session (QUIT if it is healthy) and frees its slot for a waiting sender. */
  private discard(session: Session, quit = false): void {
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.idleTimer = null;
    if (!session.dead) {
      session.dead = true;
      if (quit) session.conn.quit();
      else session.conn.close();
    }
    if (session.freed) return;
    session.freed = true;
    this.sessions.delete(session);
    const waiter = this.waiters.shift();
    if (waiter) waiter(null);
  }
}
