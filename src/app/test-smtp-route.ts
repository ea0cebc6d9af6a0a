import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import {
  certificateProblemOfCode,
  isTlsMismatchCode,
  tlsOptionsForRoute,
  verifyPeer,
  type CertificateProblem,
  type SmtpRouteProblem,
} from '../adapters/transports/own-smtp.ts';
import type { SmtpRoute } from '../domain/smtp-route.ts';

/**
 * "Test connection" for the hotel's own SMTP server: connect, negotiate TLS, authenticate and try the
 * envelope sender with MAIL FROM, then RSET and QUIT. No message is ever sent.
 *
 * It speaks SMTP itself over node:net/tls instead of through nodemailer, because each step has to be
 * told apart (a refused TCP connection, a TLS handshake meeting a plaintext greeting, a greeting that
 * never comes because the port waits for a TLS ClientHello, …) and every server reply kept verbatim.
 */

export type Language = 'de' | 'en';

export interface SmtpRouteTestResult {
  ok: boolean;
  problem: SmtpRouteProblem | null;
  /** Plain words in the hotel's language. */
  message: string;
  /** Technical detail; the server's reply verbatim where there is one. */
  detail: string;
}

export interface SmtpRouteTestOptions {
  language: Language;
  /** A VERP return path as the worker would use it (any valid token): the sender tried at MAIL FROM. */
  verpSender: string;
  /** The hotel's own address: tried when the route says envelopeSender "hotel", or when the VERP sender is refused. */
  hotelAddress: string | null;
  /** Limit for each step (DNS, connect, TLS handshake, each reply). */
  timeoutMs?: number;
  /** Our EHLO name. */
  clientName?: string;
  /** Resolves the host name to one address; node's resolver by default. */
  resolve?: (host: string) => Promise<string>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A reply larger than this is not SMTP; stops a hostile "server" from filling memory. */
const MAX_REPLY_BYTES = 64 * 1024;

/** A failed step, carrying everything the diagnosis needs. */
class StepFailure extends Error {
  constructor(
    readonly problem: SmtpRouteProblem,
    readonly variant: string,
    readonly detail: string,
    readonly certificateProblem: CertificateProblem | null = null,
  ) {
    super(detail);
  }
}

class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Reads SMTP replies (RFC 5321 §4.2: "250-…" continues, "250 …" ends) from a socket that may be swapped for TLS. */
class SmtpWire {
  private socket: net.Socket;
  private buffer = '';
  private lines: string[] = [];
  private replies: string[] = [];
  private failure: TransportError | null = null;
  private waiter: { resolve: (reply: string) => void; reject: (err: Error) => void } | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onError = (err: NodeJS.ErrnoException) => this.fail(new TransportError(err.message, err.code ?? 'ESOCKET'));
  private readonly onClose = () => this.fail(new TransportError('the server closed the connection', 'ERR_REBOUND_CLOSED'));

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  get current(): net.Socket {
    return this.socket;
  }

  /** Stops reading from the plain socket: RFC 3207 §4.2, nothing received before TLS may be used after it. */
  detach(): net.Socket {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('error', this.onError);
    this.socket.removeListener('close', this.onClose);
    this.buffer = '';
    this.lines = [];
    this.replies = [];
    return this.socket;
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  async command(line: string, timeoutMs: number): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.read(timeoutMs);
  }

  read(timeoutMs: number): Promise<string> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new TransportError(`no reply within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      this.waiter = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    if (this.buffer.length > MAX_REPLY_BYTES) {
      this.fail(new TransportError('the server sent an oversized reply', 'ERR_REBOUND_REPLY_TOO_LARGE'));
      this.socket.destroy();
      return;
    }
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.lines.push(line);
      if (!/^\d{3}-/.test(line)) {
        this.deliver(this.lines.join('\n'));
        this.lines = [];
      }
    }
  }

  private deliver(reply: string): void {
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(reply);
    } else {
      this.replies.push(reply);
    }
  }

  private fail(err: TransportError): void {
    this.failure ??= err;
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(err);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

function connectTcp(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(`TCP connect to ${address}:${port} timed out after ${timeoutMs} ms`, 'ETIMEDOUT'));
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new TransportError(err.message, err.code ?? 'ECONNECTION'));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}

/**
 * TLS over an open socket. OpenSSL's verdict is not enforced here (rejectUnauthorized off) so that
 * `verifyPeer` can say exactly what is wrong; nothing secret is sent before it has spoken.
 */
function startTls(socket: net.Socket, route: SmtpRoute, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...tlsOptionsForRoute(route), socket, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new TransportError(`TLS handshake timed out after ${timeoutMs} ms`, 'ETIMEDOUT'));
    }, timeoutMs);
    const fail = (err: TransportError) => {
      clearTimeout(timer);
      secure.destroy();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException) => fail(new TransportError(err.message, err.code ?? 'ETLS'));
    const onClose = () => fail(new TransportError('the server closed the connection during the TLS handshake', 'ECONNRESET'));
    secure.once('error', onError);
    secure.once('close', onClose);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeListener('error', onError);
      secure.removeListener('close', onClose);
      resolve(secure);
    });
  });
}

/** Does this port greet in plain text? Returns the greeting line, or null. */
async function plainGreeting(address: string, port: number, timeoutMs: number): Promise<string | null> {
  let socket: net.Socket | null = null;
  try {
    socket = await connectTcp(address, port, timeoutMs);
    const wire = new SmtpWire(socket);
    const greeting = await wire.read(timeoutMs);
    return /^\d{3}/.test(greeting) ? greeting : null;
  } catch {
    return null;
  } finally {
    socket?.destroy();
  }
}

/** Does this port complete a TLS handshake straight away (implicit TLS)? */
async function speaksImplicitTls(address: string, port: number, route: SmtpRoute, timeoutMs: number): Promise<boolean> {
  let socket: net.Socket | null = null;
  try {
    socket = await connectTcp(address, port, timeoutMs);
    socket = await startTls(socket, route, timeoutMs);
    return true;
  } catch {
    return false;
  } finally {
    socket?.destroy();
  }
}

function networkFailure(err: unknown, host: string, port: number): StepFailure {
  const code = err instanceof TransportError ? err.code : 'ECONNECTION';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ETIMEDOUT') return new StepFailure('timeout', 'connect', `${code}: ${message}`);
  return new StepFailure('refused', 'connect', `${code}: ${host}:${port}: ${message}`);
}

/** EHLO keywords (RFC 5321 §4.1.1.1), upper-cased, without the greeting line. */
function ehloKeywords(reply: string): string[] {
  return reply
    .split('\n')
    .slice(1)
    .map((line) => line.slice(4).trim().toUpperCase());
}

function authMechanisms(reply: string): string[] {
  const line = ehloKeywords(reply).find((k) => k.startsWith('AUTH ') || k.startsWith('AUTH='));
  return line ? line.slice(5).split(/[\s=]+/).filter(Boolean) : [];
}

const isPositive = (reply: string) => reply.startsWith('2');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface Session {
  wire: SmtpWire;
  secure: boolean;
  tlsDescription: string | null;
  ehlo: string;
}

async function runTest(route: SmtpRoute, options: SmtpRouteTestOptions, sockets: Set<net.Socket>): Promise<{ session: Session; notes: string[]; usedSender: string; fallback: boolean }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const host = route.host.replace(/^\[|\]$/g, '');
  const port = route.port;
  const notes: string[] = [];

  let address = host;
  if (!net.isIP(host)) {
    const resolve = options.resolve ?? (async (name: string) => (await lookup(name)).address);
    try {
      address = await withTimeout(resolve(host), timeoutMs, () => new TransportError(`no answer from the name server within ${timeoutMs} ms`, 'EAI_AGAIN'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
      throw new StepFailure('dns', 'dns', `${code}: ${host}: ${(err as Error).message}`);
    }
  }

  let socket: net.Socket;
  try {
    socket = await connectTcp(address, port, timeoutMs);
  } catch (err) {
    throw networkFailure(err, host, port);
  }
  sockets.add(socket);

  let tlsDescription: string | null = null;
  const secureAndVerify = async (plain: net.Socket, variant: 'implicit' | 'starttls'): Promise<tls.TLSSocket> => {
    let secure: tls.TLSSocket;
    try {
      secure = await startTls(plain, route, timeoutMs);
    } catch (err) {
      const code = err instanceof TransportError ? err.code : 'ETLS';
      const message = err instanceof Error ? err.message : String(err);
      const certificate = certificateProblemOfCode(code);
      if (certificate) throw new StepFailure('certificate', certificate, `${code}: ${message}`, certificate);
      if (variant === 'implicit') {
        if (code === 'ETIMEDOUT') {
          throw new StepFailure('timeout', 'tls-handshake', `${code}: ${message}`);
        }
        // Our ClientHello met a plaintext port: say what the port answers instead.
        const greeting = isTlsMismatchCode(code) || code === 'ECONNRESET' ? await plainGreeting(address, port, timeoutMs) : null;
        if (greeting || isTlsMismatchCode(code)) {
          throw new StepFailure('tls-mismatch', 'implicit-on-plain', `${code}: ${message}${greeting ? `; the port answers without TLS: ${greeting}` : ''}`);
        }
      }
      throw new StepFailure('tls-mismatch', 'starttls-failed', `${code}: ${message}`);
    }
    // Only the TLS socket is torn down from now on: destroying the socket under a live TLSSocket
    // crashes Node 20 (SIGSEGV in the TLS wrap).
    sockets.delete(plain);
    sockets.add(secure);
    const verdict = verifyPeer(secure, route);
    if (verdict) throw new StepFailure('certificate', verdict.problem, verdict.detail, verdict.problem);
    tlsDescription = `${secure.getProtocol() ?? 'TLS'} ${secure.getCipher()?.name ?? ''}`.trim();
    return secure;
  };

  if (route.security === 'tls') socket = await secureAndVerify(socket, 'implicit');
  const wire = new SmtpWire(socket);

  let greeting: string;
  try {
    greeting = await wire.read(timeoutMs);
  } catch (err) {
    if (err instanceof TransportError && err.code === 'ETIMEDOUT' && route.security !== 'tls') {
      // A port that waits silently may be waiting for our TLS ClientHello (implicit TLS, usually 465).
      if (await speaksImplicitTls(address, port, route, timeoutMs)) {
        throw new StepFailure('tls-mismatch', 'plain-on-implicit', `no SMTP greeting within ${timeoutMs} ms; the port completes a TLS handshake instead (implicit TLS)`);
      }
      throw new StepFailure('timeout', 'greeting', `ETIMEDOUT: no SMTP greeting within ${timeoutMs} ms`);
    }
    throw networkFailure(err, host, port);
  }
  if (!greeting.startsWith('220')) throw new StepFailure('refused', 'greeting', greeting);

  const name = options.clientName ?? 'rebound.localhost';
  const ehloOrFail = async () => {
    const reply = await wire.command(`EHLO ${name}`, timeoutMs).catch((err) => {
      throw networkFailure(err, host, port);
    });
    if (!isPositive(reply)) throw new StepFailure('refused', 'ehlo', reply);
    return reply;
  };
  let ehlo = await ehloOrFail();
  let secure = route.security === 'tls';

  if (route.security === 'starttls') {
    if (!ehloKeywords(ehlo).includes('STARTTLS')) {
      if (!route.allowPlaintextFallback) throw new StepFailure('tls-mismatch', 'no-starttls', ehlo);
      notes.push('the server offers no STARTTLS; continuing unencrypted because allowPlaintextFallback is set');
    } else {
      const reply = await wire.command('STARTTLS', timeoutMs).catch((err) => {
        throw networkFailure(err, host, port);
      });
      if (!reply.startsWith('220')) throw new StepFailure('tls-mismatch', 'starttls-refused', reply);
      const secured = await secureAndVerify(wire.detach(), 'starttls');
      wire.attach(secured);
      secure = true;
      ehlo = await ehloOrFail();
    }
  }

  const mechanisms = authMechanisms(ehlo);
  const failAuth = (reply: string) => new StepFailure('auth', 'rejected', reply);
  const step = async (line: string) =>
    wire.command(line, timeoutMs).catch((err) => {
      throw networkFailure(err, host, port);
    });
  if (mechanisms.includes('PLAIN')) {
    // RFC 4616: empty authorization identity, then user and password.
    let reply = await step(`AUTH PLAIN ${b64(`\u0000${route.username}\u0000${route.password}`)}`);
    if (reply.startsWith('334')) reply = await step(b64(`\u0000${route.username}\u0000${route.password}`));
    if (!reply.startsWith('235')) throw failAuth(reply);
  } else if (mechanisms.includes('LOGIN')) {
    let reply = await step('AUTH LOGIN');
    if (reply.startsWith('334')) reply = await step(b64(route.username));
    if (reply.startsWith('334')) reply = await step(b64(route.password));
    if (!reply.startsWith('235')) throw failAuth(reply);
  } else if (mechanisms.length) {
    throw new StepFailure('auth', 'unsupported', `the server offers only ${mechanisms.join(', ')}; Rebound logs in with PLAIN or LOGIN\n${ehlo}`);
  } else {
    throw new StepFailure('auth', secure ? 'none-offered' : 'none-offered-plain', ehlo);
  }

  const preferHotel = route.envelopeSender === 'hotel';
  if (preferHotel && !options.hotelAddress) throw new StepFailure('sender-refused', 'no-hotel-address', 'envelopeSender is "hotel" but the hotel has no address');
  const first = preferHotel ? options.hotelAddress! : options.verpSender;
  const mailFrom = async (sender: string) => step(`MAIL FROM:<${sender}>`);
  let reply = await mailFrom(first);
  let usedSender = first;
  let fallback = false;
  if (!isPositive(reply)) {
    if (reply.startsWith('530')) throw new StepFailure('auth', 'required', reply);
    const hotel = options.hotelAddress;
    if (preferHotel || !hotel) throw new StepFailure('sender-refused', preferHotel ? 'hotel' : 'verp', reply);
    // The transport falls back to the hotel's address in this case; check that one is accepted.
    await step('RSET');
    const hotelReply = await mailFrom(hotel);
    if (!isPositive(hotelReply)) throw new StepFailure('sender-refused', 'both', `MAIL FROM:<${first}>: ${reply}\nMAIL FROM:<${hotel}>: ${hotelReply}`);
    notes.push(`MAIL FROM:<${first}>: ${reply}`);
    usedSender = hotel;
    fallback = true;
    reply = hotelReply;
  }
  notes.unshift(`MAIL FROM:<${usedSender}>: ${reply}`);
  await step('RSET').catch(() => undefined);
  wire.current.write('QUIT\r\n');
  await wire.read(Math.min(timeoutMs, 2000)).catch(() => undefined);
  return { session: { wire, secure, tlsDescription, ehlo }, notes, usedSender, fallback };
}

export async function testSmtpRoute(route: SmtpRoute, options: SmtpRouteTestOptions): Promise<SmtpRouteTestResult> {
  const sockets = new Set<net.Socket>();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const context = { host: route.host, port: route.port, seconds: Math.max(1, Math.round(timeoutMs / 1000)), username: route.username, hotelAddress: options.hotelAddress ?? '' };
  try {
    const { session, notes, usedSender, fallback } = await runTest(route, options, sockets);
    const variant = fallback ? 'fallback' : session.secure ? 'secure' : 'plain';
    const detail = [
      `${route.host}:${route.port}`,
      session.secure ? `encrypted: ${session.tlsDescription ?? 'TLS'}` : 'not encrypted',
      `login accepted for ${route.username}`,
      ...notes,
      'no message was sent (RSET, QUIT)',
    ].join('\n');
    return { ok: true, problem: null, message: okMessage(options.language, variant, { ...context, sender: usedSender }), detail };
  } catch (err) {
    const failure =
      err instanceof StepFailure ? err : new StepFailure('refused', 'connect', err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? 'Error'}: ${err.message}` : String(err));
    return { ok: false, problem: failure.problem, message: problemMessage(options.language, failure, context), detail: failure.detail };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

interface MessageContext {
  host: string;
  port: number;
  seconds: number;
  username: string;
  hotelAddress: string;
}

type Phrase = (c: MessageContext) => string;

const OK_MESSAGES: Record<string, Record<Language, (c: MessageContext & { sender: string }) => string>> = {
  secure: {
    en: (c) => `The connection works: ${c.host} (port ${c.port}) is reachable and encrypted, the login was accepted and the sender ${c.sender} is allowed. No message was sent.`,
    de: (c) => `Die Verbindung funktioniert: ${c.host} (Port ${c.port}) ist erreichbar und verschlüsselt, die Anmeldung wurde akzeptiert und der Absender ${c.sender} ist erlaubt. Es wurde keine Nachricht versendet.`,
  },
  plain: {
    en: (c) => `The connection works, but it is NOT encrypted: ${c.host} (port ${c.port}) accepted the login and the sender ${c.sender}. No message was sent. We recommend SSL/TLS or STARTTLS.`,
    de: (c) => `Die Verbindung funktioniert, ist aber NICHT verschlüsselt: ${c.host} (Port ${c.port}) hat die Anmeldung und den Absender ${c.sender} akzeptiert. Es wurde keine Nachricht versendet. Wir empfehlen SSL/TLS oder STARTTLS.`,
  },
  fallback: {
    en: (c) => `The connection works. Your server does not accept Rebound's bounce address as sender, so messages will be sent with the hotel's address ${c.sender} as sender; undeliverable-mail reports then arrive in that mailbox. No message was sent.`,
    de: (c) => `Die Verbindung funktioniert. Ihr Server akzeptiert die Rückläufer-Adresse von Rebound nicht als Absender; Nachrichten werden daher mit der Hotel-Adresse ${c.sender} als Absender versendet, und Unzustellbarkeitsmeldungen kommen in diesem Postfach an. Es wurde keine Nachricht versendet.`,
  },
};

function okMessage(language: Language, variant: string, context: MessageContext & { sender: string }): string {
  return OK_MESSAGES[variant]![language](context);
}

const CERTIFICATE_MESSAGES: Record<CertificateProblem, Record<Language, Phrase>> = {
  'self-signed': {
    en: () => `The server's certificate is self-signed, so its identity cannot be verified. Enter the certificate's SHA-256 fingerprint in the settings (see details), or install a certificate from a recognised authority on the server.`,
    de: () => `Das Zertifikat des Servers ist selbst signiert, seine Identität kann daher nicht geprüft werden. Tragen Sie den SHA-256-Fingerabdruck des Zertifikats in den Einstellungen ein (siehe Details) oder installieren Sie auf dem Server ein Zertifikat einer anerkannten Stelle.`,
  },
  untrusted: {
    en: () => `The server's certificate was not issued by a trusted authority. If your server uses a certificate from your own certificate authority (CA), enter that CA certificate in the settings.`,
    de: () => `Das Zertifikat des Servers wurde nicht von einer vertrauenswürdigen Stelle ausgestellt. Wenn Ihr Server ein Zertifikat Ihrer eigenen Zertifizierungsstelle (CA) verwendet, tragen Sie dieses CA-Zertifikat in den Einstellungen ein.`,
  },
  expired: {
    en: () => `The server's certificate has expired. Your mail provider or IT must renew it; until then no mail is sent through this server.`,
    de: () => `Das Zertifikat des Servers ist abgelaufen. Ihr E-Mail-Anbieter oder Ihre IT muss es erneuern; bis dahin wird über diesen Server keine E-Mail versendet.`,
  },
  'not-yet-valid': {
    en: () => `The server's certificate is not valid yet. Please check the clock of the mail server.`,
    de: () => `Das Zertifikat des Servers ist noch nicht gültig. Bitte prüfen Sie die Uhrzeit des Mailservers.`,
  },
  'wrong-name': {
    en: (c) => `The server's certificate is issued for a different name than "${c.host}". Enter the server name exactly as the certificate names it (see details).`,
    de: (c) => `Das Zertifikat des Servers ist für einen anderen Namen als „${c.host}“ ausgestellt. Tragen Sie den Servernamen genau so ein, wie er im Zertifikat steht (siehe Details).`,
  },
  'pin-mismatch': {
    en: () => `The server presents a different certificate than the one whose fingerprint is stored in the settings. If the certificate was renewed, enter the new fingerprint (see details); otherwise the connection may be intercepted.`,
    de: () => `Der Server zeigt ein anderes Zertifikat als das, dessen Fingerabdruck in den Einstellungen hinterlegt ist. Wurde das Zertifikat erneuert, tragen Sie den neuen Fingerabdruck ein (siehe Details); andernfalls wird die Verbindung möglicherweise abgefangen.`,
  },
  invalid: {
    en: () => `The server's certificate is not valid for mail servers. Your mail provider or IT must replace it.`,
    de: () => `Das Zertifikat des Servers ist für Mailserver nicht gültig. Ihr E-Mail-Anbieter oder Ihre IT muss es ersetzen.`,
  },
};

const PROBLEM_MESSAGES: Record<string, Record<Language, Phrase>> = {
  'dns/dns': {
    en: (c) => `The server name "${c.host}" could not be found. Please check how the SMTP server is spelled (for example mail.your-hotel.com).`,
    de: (c) => `Der Servername „${c.host}“ wurde nicht gefunden. Bitte prüfen Sie die Schreibweise des SMTP-Servers (zum Beispiel mail.ihr-hotel.de).`,
  },
  'refused/connect': {
    en: (c) => `The server ${c.host} refused the connection on port ${c.port}. The port is probably wrong (usually 465 for SSL/TLS, 587 for STARTTLS), or a firewall blocks it.`,
    de: (c) => `Der Server ${c.host} hat die Verbindung auf Port ${c.port} abgelehnt. Wahrscheinlich ist der Port falsch (üblich sind 465 für SSL/TLS und 587 für STARTTLS) oder eine Firewall blockiert ihn.`,
  },
  'refused/greeting': {
    en: (c) => `The server ${c.host} answered, but does not accept a connection from Rebound (its answer is in the details). Please ask your mail provider.`,
    de: (c) => `Der Server ${c.host} hat geantwortet, nimmt aber keine Verbindung von Rebound an (seine Antwort steht in den Details). Bitte fragen Sie Ihren E-Mail-Anbieter.`,
  },
  'refused/ehlo': {
    en: (c) => `The server ${c.host} refused the greeting of Rebound (its answer is in the details). Please ask your mail provider.`,
    de: (c) => `Der Server ${c.host} hat die Begrüßung von Rebound abgelehnt (seine Antwort steht in den Details). Bitte fragen Sie Ihren E-Mail-Anbieter.`,
  },
  'timeout/connect': {
    en: (c) => `The server ${c.host} did not answer on port ${c.port} within ${c.seconds} seconds. Please check server name and port, and whether a firewall blocks the connection.`,
    de: (c) => `Der Server ${c.host} hat auf Port ${c.port} nicht innerhalb von ${c.seconds} Sekunden geantwortet. Bitte prüfen Sie Servername und Port und ob eine Firewall die Verbindung blockiert.`,
  },
  'tls-mismatch/implicit-on-plain': {
    en: (c) => `Port ${c.port} of ${c.host} does not use SSL/TLS from the start. Choose "STARTTLS" for this port, or use port 465 with "SSL/TLS".`,
    de: (c) => `Port ${c.port} von ${c.host} verwendet kein direktes SSL/TLS. Wählen Sie für diesen Port „STARTTLS“ oder verwenden Sie Port 465 mit „SSL/TLS“.`,
  },
  'tls-mismatch/plain-on-implicit': {
    en: (c) => `Port ${c.port} of ${c.host} expects SSL/TLS from the start. Choose "SSL/TLS" for this port, or use port 587 with "STARTTLS".`,
    de: (c) => `Port ${c.port} von ${c.host} erwartet direktes SSL/TLS. Wählen Sie für diesen Port „SSL/TLS“ oder verwenden Sie Port 587 mit „STARTTLS“.`,
  },
  'tls-mismatch/no-starttls': {
    en: (c) => `The server ${c.host} offers no STARTTLS on port ${c.port}, so the connection could not be encrypted. Try "SSL/TLS" with port 465, or ask your mail provider which port supports encryption.`,
    de: (c) => `Der Server ${c.host} bietet auf Port ${c.port} kein STARTTLS an, die Verbindung könnte also nicht verschlüsselt werden. Versuchen Sie „SSL/TLS“ mit Port 465 oder fragen Sie Ihren E-Mail-Anbieter, welcher Port Verschlüsselung unterstützt.`,
  },
  'tls-mismatch/starttls-refused': {
    en: (c) => `The server ${c.host} announces STARTTLS but refused to start encryption (its answer is in the details). Please ask your mail provider.`,
    de: (c) => `Der Server ${c.host} kündigt STARTTLS an, hat die Verschlüsselung aber verweigert (seine Antwort steht in den Details). Bitte fragen Sie Ihren E-Mail-Anbieter.`,
  },
  'tls-mismatch/starttls-failed': {
    en: (c) => `The encryption with ${c.host} could not be set up (details below). Check the SSL/TLS setting for port ${c.port}.`,
    de: (c) => `Die Verschlüsselung mit ${c.host} konnte nicht aufgebaut werden (Details unten). Prüfen Sie die SSL/TLS-Einstellung für Port ${c.port}.`,
  },
  'auth/rejected': {
    en: (c) => `The server rejected the login for user "${c.username}". Please check user name and password (the server's answer is in the details).`,
    de: (c) => `Der Server hat die Anmeldung für den Benutzer „${c.username}“ abgelehnt. Bitte prüfen Sie Benutzername und Passwort (die Antwort des Servers steht in den Details).`,
  },
  'auth/required': {
    en: () => `The server requires a login before sending, but did not accept ours. Please check user name and password.`,
    de: () => `Der Server verlangt vor dem Versand eine Anmeldung, hat unsere aber nicht akzeptiert. Bitte prüfen Sie Benutzername und Passwort.`,
  },
  'auth/unsupported': {
    en: () => `The server offers no login method Rebound supports (PLAIN or LOGIN). Please ask your mail provider.`,
    de: () => `Der Server bietet kein Anmeldeverfahren an, das Rebound unterstützt (PLAIN oder LOGIN). Bitte fragen Sie Ihren E-Mail-Anbieter.`,
  },
  'auth/none-offered': {
    en: (c) => `The server ${c.host} offers no login on port ${c.port}. Please check the port: servers usually accept logins on 465 (SSL/TLS) or 587 (STARTTLS).`,
    de: (c) => `Der Server ${c.host} bietet auf Port ${c.port} keine Anmeldung an. Bitte prüfen Sie den Port: Üblich sind Anmeldungen auf 465 (SSL/TLS) oder 587 (STARTTLS).`,
  },
  'auth/none-offered-plain': {
    en: (c) => `The server ${c.host} offers no login on an unencrypted connection. Choose "STARTTLS" or "SSL/TLS".`,
    de: (c) => `Der Server ${c.host} bietet über eine unverschlüsselte Verbindung keine Anmeldung an. Wählen Sie „STARTTLS“ oder „SSL/TLS“.`,
  },
  'sender-refused/verp': {
    en: () => `The server does not accept Rebound's bounce address as sender (its answer is in the details). Set the envelope sender to the hotel's own address.`,
    de: () => `Der Server akzeptiert die Rückläufer-Adresse von Rebound nicht als Absender (seine Antwort steht in den Details). Stellen Sie den Umschlag-Absender auf die eigene Adresse des Hotels um.`,
  },
  'sender-refused/hotel': {
    en: (c) => `The server does not accept ${c.hotelAddress} as sender for user "${c.username}" (its answer is in the details). Please check that this user may send from this address.`,
    de: (c) => `Der Server akzeptiert ${c.hotelAddress} nicht als Absender für den Benutzer „${c.username}“ (seine Antwort steht in den Details). Bitte prüfen Sie, ob dieser Benutzer mit dieser Adresse senden darf.`,
  },
  'sender-refused/both': {
    en: (c) => `The server accepts neither Rebound's bounce address nor ${c.hotelAddress} as sender for user "${c.username}" (its answers are in the details). Please check which sender addresses this user may use.`,
    de: (c) => `Der Server akzeptiert weder die Rückläufer-Adresse von Rebound noch ${c.hotelAddress} als Absender für den Benutzer „${c.username}“ (seine Antworten stehen in den Details). Bitte prüfen Sie, welche Absender dieser Benutzer verwenden darf.`,
  },
  'sender-refused/no-hotel-address': {
    en: () => `The envelope sender is set to the hotel's own address, but the hotel has no e-mail address on file.`,
    de: () => `Als Umschlag-Absender ist die Adresse des Hotels eingestellt, für das Hotel ist aber keine E-Mail-Adresse hinterlegt.`,
  },
};

const FALLBACK_BY_PROBLEM: Record<SmtpRouteProblem, string> = {
  dns: 'dns/dns',
  refused: 'refused/connect',
  timeout: 'timeout/connect',
  'tls-mismatch': 'tls-mismatch/starttls-failed',
  certificate: 'certificate',
  auth: 'auth/rejected',
  'sender-refused': 'sender-refused/verp',
};

function problemMessage(language: Language, failure: StepFailure, context: MessageContext): string {
  if (failure.problem === 'certificate') {
    return CERTIFICATE_MESSAGES[failure.certificateProblem ?? 'untrusted'][language](context);
  }
  const phrases = PROBLEM_MESSAGES[`${failure.problem}/${failure.variant}`] ?? PROBLEM_MESSAGES[FALLBACK_BY_PROBLEM[failure.problem]]!;
  return phrases[language](context);
}
