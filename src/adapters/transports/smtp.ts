import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { OutboundMail, RecipientOutcome, SendResult, Transport } from './types.ts';
import { RouteConfigurationError } from './types.ts';
import { SmtpPool } from './smtp-pool.ts';

export interface SmtpTransportOptions {
  host: string;
  port: number;
  /** 'tls' = implicit TLS (smtps, usually 465); 'starttls' = STARTTLS required; 'none' = plain, opportunistic STARTTLS off. */
  security: 'tls' | 'starttls' | 'none' | 'opportunistic';
  username?: string | null;
  password?: string | null;
  /** Extra TLS options (private CA, certificate pin, rejectUnauthorized). */
  tls?: SMTPTransport.Options['tls'];
  /** Our HELO/EHLO name. */
  clientName?: string;
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
  kind?: string;
  /**
   * Keep up to this many connections open and reuse them (RSET between envelopes) instead of one
   * connection per envelope. Connection setup dominates a send to a nearby smarthost (TCP, greeting
   * — some servers pause before it to catch early talkers —, EHLO, STARTTLS); a pool lost in a crash
   * loses nothing, as every envelope's outcome is recorded only after the server's reply.
   */
  pool?: number;
}

/** "550 5.1.1 <x@example.net>: Recipient address rejected" → "5.1.1" (RFC 3463 §2, RFC 2034). */
export function enhancedStatusOf(response: string | null | undefined): string | null {
  if (!response) return null;
  const m = ENHANCED_STATUS_IN_REPLY.exec(response);
  return m ? m[1]! : null;
}
const ENHANCED_STATUS_IN_REPLY = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/;

/** The fields nodemailer puts on SMTP errors (`code`, the raw `response`, `responseCode`, `command`). */
export interface SmtpErrorLike extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  rejected?: string[];
  rejectedErrors?: SmtpErrorLike[];
  recipient?: string;
}

/** One recipient's outcome from an SMTP error: 5xx is final, 4xx and network failures are retried. */
export function recipientOutcomeOf(address: string, err: SmtpErrorLike): RecipientOutcome {
  const replyCode = err.responseCode ? String(err.responseCode) : null;
  const response = err.response ?? err.message;
  let result: RecipientOutcome['result'];
  if (replyCode && replyCode.startsWith('5')) result = 'failed';
  else result = 'deferred'; // 4xx, network errors, timeouts: retry with backoff
  return { address, result, replyCode, status: enhancedStatusOf(err.response), response, command: err.command ?? null };
}

/** Delivers through any SMTP server: over a pool of open sessions (the relay, `pool`) or one connection per envelope (nodemailer). */
export class SmtpTransport implements Transport {
  readonly kind: string;
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo> | null = null;
  private readonly pool: SmtpPool | null = null;

  constructor(private readonly options: SmtpTransportOptions) {
    this.kind = options.kind ?? 'smtp';
    const t = options.timeouts ?? {};
    const connection = {
      host: options.host,
      port: options.port,
      secure: options.security === 'tls',
      requireTLS: options.security === 'starttls',
      ignoreTLS: options.security === 'none',
      tls: options.tls,
      name: options.clientName,
      connectionTimeout: t.connectMs ?? 30_000,
      greetingTimeout: t.greetingMs ?? 30_000,
      socketTimeout: t.socketMs ?? 120_000,
    };
    const auth = options.username ? { user: options.username, pass: options.password ?? '' } : null;
    if (options.pool) {
      this.pool = new SmtpPool({ connection, auth, max: options.pool, maxMessages: 1000 });
    } else {
      this.transporter = nodemailer.createTransport({
        ...connection, auth: auth ?? undefined, disableFileAccess: true, disableUrlAccess: true,
      } as SMTPTransport.Options);
    }
  }

  async send(mail: OutboundMail): Promise<SendResult> {
    const remoteMta = this.options.host;
    try {
      const envelope = { from: mail.envelopeFrom, to: mail.envelopeTo };
      const info = this.pool ? await this.pool.send(envelope, mail.raw) : await this.transporter!.sendMail({ envelope, raw: mail.raw });
      const rejectedErrors = (info as unknown as { rejectedErrors?: SmtpErrorLike[] }).rejectedErrors ?? [];
      const recipients: RecipientOutcome[] = mail.envelopeTo.map((address) => {
        const rejection = rejectedErrors.find((e) => (e.recipient ?? '').toLowerCase() === address.toLowerCase());
        if (rejection) return recipientOutcomeOf(address, rejection);
        return { address, result: 'accepted', replyCode: info.response?.slice(0, 3) ?? '250', status: enhancedStatusOf(info.response), response: info.response ?? null, command: 'DATA' };
      });
      return { recipients, remoteMta, remoteId: queueIdOf(info.response) };
    } catch (e) {
      const err = e as SmtpErrorLike;
      if (err.code === 'EAUTH') {
        // Wrong credentials are the route's fault, not the guest's: defer and shout, never bounce the guest.
        throw new RouteConfigurationError(`SMTP authentication failed at ${remoteMta}`, err.response ?? err.message);
      }
      if (err.responseCode === 530 || (err.command === 'MAIL FROM' && /authenticat/i.test(err.response ?? ''))) {
        // "530 5.7.0 Authentication required" (RFC 4954 §6): the route lacks credentials — not the guest's fault either.
        throw new RouteConfigurationError(`SMTP server ${remoteMta} requires authentication, and the route has no credentials it accepts`, err.response ?? err.message);
      }
      if (err.code === 'EENVELOPE' && err.rejectedErrors?.length) {
        const recipients = mail.envelopeTo.map((address) => {
          const rejection = err.rejectedErrors!.find((r) => (r.recipient ?? '').toLowerCase() === address.toLowerCase());
          return recipientOutcomeOf(address, rejection ?? err);
        });
        return { recipients, remoteMta, remoteId: null };
      }
      // DATA rejections, 4xx replies, network errors and timeouts apply to every recipient of the envelope.
      return { recipients: mail.envelopeTo.map((a) => recipientOutcomeOf(a, err)), remoteMta, remoteId: null };
    }
  }

  async close(): Promise<void> {
    this.transporter?.close();
    await this.pool?.close();
  }
}

/** "250 2.0.0 Ok: queued as 4Xyz" → "4Xyz"; also Exim's "id=…" form. */
export function queueIdOf(response: string | undefined): string | null {
  if (!response) return null;
  const m = /queued as ([A-Za-z0-9._-]+)|id=([A-Za-z0-9._-]+)/.exec(response);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Parses `smtp://user:pass@host:port` / `smtps://…` (REBOUND_RELAY_URL). */
export function smtpOptionsFromUrl(url: string): SmtpTransportOptions {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error('must start with smtp:// or smtps://');
  if (!u.hostname) throw new Error('has no host');
  const implicit = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : implicit ? 465 : 25,
    security: implicit ? 'tls' : 'opportunistic',
    username: u.username ? decodeURIComponent(u.username) : null,
    password: u.password ? decodeURIComponent(u.password) : null,
    tls: u.searchParams.get('tlsInsecure') === 'true' ? { rejectUnauthorized: false } : undefined,
    kind: 'relay',
  };
}
