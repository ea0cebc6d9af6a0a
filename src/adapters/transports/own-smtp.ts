import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { normalizeFingerprint, type SmtpRoute } from '../../domain/smtp-route.ts';
import { enhancedStatusOf, queueIdOf, recipientOutcomeOf, type SmtpErrorLike } from './smtp.ts';
import type { OutboundMail, RecipientOutcome, SendResult, Transport } from './types.ts';
import { RouteConfigurationError } from './types.ts';

/**
 * The hotel's own SMTP server as a route. Unlike the platform relay, everything about this server is
 * configured by a hotel, so every failure of the route itself (TLS mode, certificate, password) is
 * named precisely and never bounces a guest: it raises `OwnSmtpRouteError`, which defers the envelope.
 */

/** The failure classes the connection test reports; the transport uses the same names. */
export type SmtpRouteProblem = 'dns' | 'refused' | 'timeout' | 'tls-mismatch' | 'certificate' | 'auth' | 'sender-refused';

/** Why a certificate was not trusted, one name per thing the hotel can fix. */
export type CertificateProblem = 'self-signed' | 'untrusted' | 'expired' | 'not-yet-valid' | 'wrong-name' | 'pin-mismatch' | 'invalid';

/** A route failure the hotel must fix (or that may be an attack): the envelope is deferred, never sent insecurely. */
export class OwnSmtpRouteError extends RouteConfigurationError {
  constructor(
    message: string,
    readonly problem: SmtpRouteProblem,
    detail: string | null,
    readonly certificateProblem: CertificateProblem | null = null,
  ) {
    super(message, detail);
  }
}

/** OpenSSL / Node verification codes → what the hotel can fix. */
const CERTIFICATE_PROBLEM_BY_CODE: ReadonlyMap<string, CertificateProblem> = new Map([
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
  ['UNABLE_TO_GET_ISSUER_CERT', 'untrusted'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted'],
  ['CERT_UNTRUSTED', 'untrusted'],
  ['CERT_REJECTED', 'untrusted'],
  ['CERT_HAS_EXPIRED', 'expired'],
  ['CERT_NOT_YET_VALID', 'not-yet-valid'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong-name'],
  ['HOSTNAME_MISMATCH', 'wrong-name'],
  ['CERT_SIGNATURE_FAILURE', 'invalid'],
  ['INVALID_CA', 'untrusted'],
  ['INVALID_PURPOSE', 'invalid'],
  ['ERR_REBOUND_CERT_PIN_MISMATCH', 'pin-mismatch'],
]);

export function certificateProblemOfCode(code: string | null | undefined): CertificateProblem | null {
  return code ? (CERTIFICATE_PROBLEM_BY_CODE.get(code) ?? null) : null;
}

/**
 * TLS handshake errors that mean "this port does not speak TLS the way we started it": our ClientHello
 * met a plaintext SMTP greeting ("220 …" read as a TLS record gives a wrong version number or an absurd
 * record length), or the server cut the handshake short.
 */
const TLS_MISMATCH_CODES: ReadonlySet<string> = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
]);

export function isTlsMismatchCode(code: string | null | undefined): boolean {
  return !!code && TLS_MISMATCH_CODES.has(code);
}

/**
 * TLS options for connecting to the hotel's server.
 * - `caCertificate`: that private CA is the only trust anchor (the public roots are not consulted).
 * - `pinnedCertificateSha256` alone: the pinned certificate is trusted by its fingerprint alone, which is
 *   what a self-signed certificate needs; OpenSSL's verdict is then ignored and `verifyPeer` decides
 *   before any credential is sent.
 * - both: the chain must verify against the CA and the fingerprint must match.
 */
export function tlsOptionsForRoute(route: Pick<SmtpRoute, 'host' | 'caCertificate' | 'pinnedCertificateSha256'>): tls.ConnectionOptions {
  const host = route.host.replace(/^\[|\]$/g, '');
  return {
    ca: route.caCertificate ?? undefined,
    servername: isIP(host) ? undefined : host,
    rejectUnauthorized: !(route.pinnedCertificateSha256 && !route.caCertificate),
    minVersion: 'TLSv1.2',
  };
}

export interface PeerVerdict {
  problem: CertificateProblem;
  /** The verification code (OpenSSL's, or ERR_REBOUND_CERT_PIN_MISMATCH) and what the server presented. */
  detail: string;
}

/** What the server's certificate says about itself, for the technical detail shown to the hotel. */
export function describeCertificate(cert: tls.PeerCertificate | tls.DetailedPeerCertificate | null | undefined): string {
  if (!cert || !cert.raw) return 'no certificate presented';
  const x509 = new X509Certificate(cert.raw);
  const subject = x509.subject.replace(/\n/g, ', ');
  const issuer = x509.issuer.replace(/\n/g, ', ');
  return [
    `subject: ${subject}`,
    x509.subjectAltName ? `names: ${x509.subjectAltName}` : null,
    `issuer: ${issuer === subject ? `${issuer} (self-signed)` : issuer}`,
    `valid: ${x509.validFrom} – ${x509.validTo}`,
    `sha256: ${x509.fingerprint256}`,
  ]
    .filter(Boolean)
    .join('; ');
}

/**
 * Decides whether a finished TLS handshake may carry credentials and mail, the same way for the
 * connection test (which connects with rejectUnauthorized off to be able to say precisely what is wrong)
 * and for sending with a pin. Returns null when the peer is trusted.
 */
export function verifyPeer(
  socket: tls.TLSSocket,
  route: Pick<SmtpRoute, 'host' | 'caCertificate' | 'pinnedCertificateSha256'>,
): PeerVerdict | null {
  const cert = socket.getPeerCertificate(false);
  const presented = describeCertificate(cert);
  if (!cert || !cert.raw) return { problem: 'invalid', detail: 'the server presented no certificate' };
  const pin = route.pinnedCertificateSha256 ? normalizeFingerprint(route.pinnedCertificateSha256) : null;
  if (pin) {
    const actual = normalizeFingerprint(cert.fingerprint256 ?? '');
    if (actual !== pin) {
      return { problem: 'pin-mismatch', detail: `ERR_REBOUND_CERT_PIN_MISMATCH: expected sha256 ${formatFingerprint(pin)}; ${presented}` };
    }
    // A pinned certificate without a CA is trusted by its fingerprint alone (self-signed servers).
    if (!route.caCertificate) return null;
  }
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'CERT_UNTRUSTED');
    return { problem: certificateProblemOfCode(code) ?? 'untrusted', detail: `${code}; ${presented}` };
  }
  const host = route.host.replace(/^\[|\]$/g, '');
  const nameError = tls.checkServerIdentity(host, cert);
  if (nameError) {
    return { problem: 'wrong-name', detail: `${(nameError as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}: ${nameError.message}; ${presented}` };
  }
  return null;
}

/** "abcd…" → "AB:CD:…", the form openssl and browsers show. */
export function formatFingerprint(hex: string): string {
  return normalizeFingerprint(hex).toUpperCase().match(/../g)!.join(':');
}

export interface OwnSmtpTransportOptions {
  /**
   * The hotel's own address. Used as envelope sender when the route says `envelopeSender: "hotel"`, and
   * when the server refuses the VERP return path at MAIL FROM; null = never fall back.
   */
  hotelAddress: string | null;
  /** Our EHLO name. */
  clientName?: string;
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}

/** A send result that also says which envelope sender the server took (recorded per message). */
export interface OwnSmtpSendResult extends SendResult {
  envelopeFrom: string;
}

interface ConnectionError extends SmtpErrorLike {
  originalCode?: string;
  timeoutType?: string;
}

/** Sends through the hotel's own SMTP server, one connection per envelope. */
export class OwnSmtpTransport implements Transport {
  readonly kind = 'smtp';
  /** Connections with a send in progress, and how to fail that send (close() at a shutdown's drain deadline). */
  private readonly live = new Map<SMTPConnection, (err: Error) => void>();

  constructor(
    private readonly route: SmtpRoute,
    private readonly options: OwnSmtpTransportOptions,
  ) {}

  async send(mail: OutboundMail): Promise<OwnSmtpSendResult> {
    const remoteMta = this.route.host;
    const preferred = this.route.envelopeSender === 'hotel' && this.options.hotelAddress ? this.options.hotelAddress : mail.envelopeFrom;
    const connection = this.createConnection();
    // SMTPConnection emits 'error' besides failing the pending callback; an unhandled one would crash the worker.
    connection.on('error', () => {});
    // close() fails the step in progress (nodemailer's own close() would leave its callback pending).
    let cut: (err: Error) => void = () => {};
    const whenCut = new Promise<never>((_, reject) => { cut = reject; });
    whenCut.catch(() => {});
    this.live.set(connection, cut);
    const step = <T>(p: Promise<T>) => Promise.race([p, whenCut]);
    try {
      try {
        await step(this.open(connection));
      } catch (e) {
        if (e instanceof OwnSmtpRouteError) throw e;
        return { ...this.allRecipients(mail, e as ConnectionError), remoteMta, envelopeFrom: preferred };
      }
      let envelopeFrom = preferred;
      let info: SMTPConnection.SentMessageInfo;
      try {
        info = await step(sendOn(connection, envelopeFrom, mail));
      } catch (e) {
        const err = e as ConnectionError;
        const fallback = this.options.hotelAddress;
        const senderRefused = err.command === 'MAIL FROM' && err.responseCode !== undefined && String(err.responseCode).startsWith('5');
        if (!(senderRefused && fallback && envelopeFrom !== fallback)) {
          return { ...this.allRecipients(mail, err), remoteMta, envelopeFrom };
        }
        // RFC 5321 §4.1.1.5: RSET clears the refused transaction; the hotel's own address is the one
        // sender its server is sure to accept (bounces then land in the hotel's mailbox).
        try {
          await step(resetOn(connection));
          envelopeFrom = fallback;
          info = await step(sendOn(connection, envelopeFrom, mail));
        } catch (e2) {
          return { ...this.allRecipients(mail, e2 as ConnectionError), remoteMta, envelopeFrom };
        }
      }
      const rejected = info.rejectedErrors ?? [];
      const recipients: RecipientOutcome[] = mail.envelopeTo.map((address) => {
        const rejection = rejected.find((r) => (r.recipient ?? '').toLowerCase() === address.toLowerCase());
        if (rejection) return recipientOutcomeOf(address, rejection);
        return { address, result: 'accepted', replyCode: info.response?.slice(0, 3) ?? '250', status: enhancedStatusOf(info.response), response: info.response ?? null, command: 'DATA' };
      });
      return { recipients, remoteMta, remoteId: queueIdOf(info.response), envelopeFrom };
    } finally {
      this.live.delete(connection);
      // QUIT is polite (a no-op on a connection already torn down) and closes once the server answers;
      // close() is idempotent and bounds a server that never does.
      connection.quit();
      setTimeout(() => connection.close(), 1000).unref();
    }
  }

  /**
   * Only sends still in progress have a connection (one per send): at a shutdown's drain deadline
   * they are failed as a connection error — their recipients deferred, retried later — and cut.
   */
  async close(): Promise<void> {
    for (const [connection, cut] of this.live) {
      cut(Object.assign(new Error('Connection closed: the process is shutting down'), { code: 'ECONNECTION' }));
      connection.close();
    }
    this.live.clear();
  }

  private createConnection(): SMTPConnection {
    const t = this.options.timeouts ?? {};
    const security = this.route.security;
    return new SMTPConnection({
      host: this.route.host.replace(/^\[|\]$/g, ''),
      port: this.route.port,
      secure: security === 'tls',
      // allowPlaintextFallback: STARTTLS where offered (a failing one is still an error), plain where not.
      requireTLS: security === 'starttls' && !this.route.allowPlaintextFallback,
      ignoreTLS: security === 'none',
      tls: tlsOptionsForRoute(this.route),
      name: this.options.clientName,
      connectionTimeout: t.connectMs ?? 30_000,
      greetingTimeout: t.greetingMs ?? 30_000,
      socketTimeout: t.socketMs ?? 120_000,
      logger: false,
    });
  }

  /** Connects, checks what must be checked before credentials leave, and logs in. */
  private async open(connection: SMTPConnection): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      // Most connection failures arrive as an 'error' event, not through the connect callback.
      connection.once('error', reject);
      connection.connect((err) => {
        connection.removeListener('error', reject);
        if (err) reject(err);
        else resolve();
      });
    }).catch((e: ConnectionError) => {
      throw this.routeErrorOf(e) ?? e;
    });
    if (connection.secure && connection._socket instanceof tls.TLSSocket) {
      const verdict = verifyPeer(connection._socket, this.route);
      if (verdict) {
        connection.close();
        throw new OwnSmtpRouteError(`the certificate of ${this.route.host} is not trusted (${verdict.problem})`, 'certificate', verdict.detail, verdict.problem);
      }
    } else if (this.route.security !== 'none' && !this.route.allowPlaintextFallback) {
      // Defence in depth: nodemailer's requireTLS already refuses this.
      connection.close();
      throw new OwnSmtpRouteError(`${this.route.host} did not negotiate TLS`, 'tls-mismatch', null);
    }
    await new Promise<void>((resolve, reject) => {
      connection.login({ user: this.route.username, pass: this.route.password }, (err) => (err ? reject(err) : resolve()));
    }).catch((e: ConnectionError) => {
      connection.close();
      throw this.routeErrorOf(e) ?? e;
    });
  }

  /** The connection failures that are the route's fault rather than the network's. */
  private routeErrorOf(err: ConnectionError): OwnSmtpRouteError | null {
    const host = this.route.host;
    // nodemailer replaces the code with its own (ESOCKET, ETLS) and keeps Node's/OpenSSL's as originalCode.
    const low = err.originalCode;
    const certificate = certificateProblemOfCode(low);
    if (certificate) return new OwnSmtpRouteError(`the certificate of ${host} is not trusted (${certificate})`, 'certificate', `${low}: ${err.message}`, certificate);
    if (isTlsMismatchCode(low)) return new OwnSmtpRouteError(`${host}:${this.route.port} does not speak implicit TLS`, 'tls-mismatch', `${low}: ${err.message}`);
    if (err.code === 'ETLS' || (err.code === 'ECONNECTION' && err.command === 'EHLO' && this.route.security === 'starttls')) {
      // requireTLS against a server without STARTTLS: the server's refusal of our STARTTLS, verbatim.
      return new OwnSmtpRouteError(`${host} offers no working STARTTLS`, 'tls-mismatch', err.response ?? err.message);
    }
    if (err.code === 'EAUTH') return new OwnSmtpRouteError(`SMTP authentication failed at ${host}`, 'auth', err.response ?? err.message);
    return null;
  }

  private allRecipients(mail: OutboundMail, err: ConnectionError): Pick<SendResult, 'recipients' | 'remoteId'> {
    return { recipients: mail.envelopeTo.map((address) => recipientOutcomeOf(address, err)), remoteId: null };
  }
}

function sendOn(connection: SMTPConnection, from: string, mail: OutboundMail): Promise<SMTPConnection.SentMessageInfo> {
  return new Promise((resolve, reject) => {
    connection.send({ from, to: mail.envelopeTo }, mail.raw, (err, info) => (err ? reject(err) : resolve(info!)));
  });
}

function resetOn(connection: SMTPConnection): Promise<void> {
  return new Promise((resolve, reject) => connection.reset((err) => (err ? reject(err) : resolve())));
}

/** Builds the transport for a validated route; `route.password` is the opened (decrypted) secret. */
export function createOwnSmtpTransport(route: SmtpRoute, options: OwnSmtpTransportOptions): OwnSmtpTransport {
  return new OwnSmtpTransport(route, options);
}
