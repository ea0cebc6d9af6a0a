import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Mailgun's sending API, as documented ("Send via MIME", "API Response Codes"):
 *   POST /v3/<domain>/messages.mime, HTTP basic auth `api:<key>`, multipart/form-data with `to`
 *   (repeatable) and `message` (the MIME file), plus `v:`, `o:`, `h:` options.
 *   200 {"id":"<…@domain>","message":"Queued. Thank you."} · 400 {"message":"…"} · 401 "Forbidden" ·
 *   404 {"message":"Domain not found: …"} · 429 / 5xx when told to.
 * It listens on 127.0.0.1, port 0, and keeps what it received for assertions. It also builds signed
 * event webhooks for what it received, the way Mailgun posts them.
 */

export interface ReceivedMailgunMessage {
  domain: string;
  /** The Mailgun message id it answered with, angle brackets included. */
  id: string;
  to: string[];
  /** The MIME message as received. */
  mime: Buffer;
  /** `v:` variables, name without prefix. */
  variables: Record<string, string>;
  /** Other form fields (`o:…`, `h:…`), as received. */
  options: Record<string, string>;
  /** The Message-ID header of `mime`, angle brackets included, or null. */
  messageId: string | null;
  receivedAt: Date;
}

export type FailureStatus = 400 | 401 | 402 | 403 | 404 | 413 | 429 | 500 | 502 | 503;

export interface FakeMailgun {
  /** Origin to use as REBOUND_MAILGUN_BASE_URL. */
  url: string;
  apiKey: string;
  domain: string;
  received: ReceivedMailgunMessage[];
  /** Every request seen, whatever the answer. */
  requests: Array<{ method: string; path: string; status: number }>;
  /** Answer the next `count` requests with `status` (after auth passes or not — the status wins). */
  failNext(status: FailureStatus, count?: number, opts?: { body?: string; retryAfter?: string }): void;
  /** Accept the next `count` requests but never answer them (for timeout tests). */
  stallNext(count?: number): void;
  /** A signed webhook post Mailgun would send about one received message. */
  eventFor(message: ReceivedMailgunMessage, event: EventSpec, signingKey: string, sign?: SignOptions): MailgunWebhookPost;
  close(): Promise<void>;
}

export interface FakeMailgunOptions {
  apiKey?: string;
  domain?: string;
  /** Mailgun's message size limit is 25 MB; smaller here so a test can reach it. */
  maxBytes?: number;
}

const QUEUED = 'Queued. Thank you.';

export async function startFakeMailgun(opts: FakeMailgunOptions = {}): Promise<FakeMailgun> {
  const apiKey = opts.apiKey ?? 'key-' + randomBytes(16).toString('hex');
  const domain = opts.domain ?? 'mg.example.com';
  const maxBytes = opts.maxBytes ?? 25 * 1024 * 1024;
  const received: ReceivedMailgunMessage[] = [];
  const requests: FakeMailgun['requests'] = [];
  const planned: Array<{ kind: 'fail'; status: FailureStatus; body?: string; retryAfter?: string } | { kind: 'stall' }> = [];
  const stalled = new Set<ServerResponse>();

  const answer = (req: IncomingMessage, res: ServerResponse, status: number, body: string, type = 'application/json', extra: Record<string, string> = {}) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', status });
    res.writeHead(status, { 'content-type': type, ...extra }).end(body);
  };
  const json = (v: unknown) => JSON.stringify(v);

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      else chunks.push(chunk);
    }
    const next = planned.shift();
    if (next?.kind === 'stall') {
      requests.push({ method: req.method ?? '', path: req.url ?? '', status: 0 });
      stalled.add(res);
      return;
    }
    if (next?.kind === 'fail') {
      const defaults: Record<number, [string, string]> = {
        400: [json({ message: "'to' parameter is not a valid address. please check documentation" }), 'application/json'],
        401: ['Forbidden', 'text/plain'],
        402: [json({ message: 'Domain is disabled' }), 'application/json'],
        403: [json({ message: 'Forbidden' }), 'application/json'],
        404: [json({ message: `Domain not found: ${domain}` }), 'application/json'],
        413: [json({ message: 'Message size exceeds the limit' }), 'application/json'],
        429: [json({ message: 'Too many requests' }), 'application/json'],
        500: ['Internal Server Error', 'text/plain'],
        502: ['<html><body>502 Bad Gateway</body></html>', 'text/html'],
        503: [json({ message: 'Service Unavailable' }), 'application/json'],
      };
      const [body, type] = defaults[next.status]!;
      return answer(req, res, next.status, next.body ?? body, next.body ? 'text/plain' : type, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
    }

    const match = /^\/v3\/([^/]+)\/messages\.mime$/.exec(req.url ?? '');
    if (!match) return answer(req, res, 404, json({ message: 'Not Found' }));
    if (req.method !== 'POST') return answer(req, res, 405, json({ message: 'Method Not Allowed' }));
    if (req.headers.authorization !== 'Basic ' + Buffer.from(`api:${apiKey}`).toString('base64')) {
      return answer(req, res, 401, 'Forbidden', 'text/plain');
    }
    const target = decodeURIComponent(match[1]!);
    if (target !== domain) return answer(req, res, 404, json({ message: `Domain not found: ${target}` }));
    if (tooLarge) return answer(req, res, 413, json({ message: 'Message size exceeds the limit' }));

    let form: FormData;
    try {
      form = await new Request('http://fake-mailgun.invalid/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: Buffer.concat(chunks),
      }).formData();
    } catch {
      return answer(req, res, 400, json({ message: 'Bad request: expected multipart/form-data' }));
    }
    const to = form.getAll('to').flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []));
    if (to.length === 0) return answer(req, res, 400, json({ message: "'to' parameter is missing" }));
    const file = form.get('message');
    if (!file || typeof file === 'string') return answer(req, res, 400, json({ message: "'message' parameter is missing" }));
    const mime = Buffer.from(await file.arrayBuffer());
    const variables: Record<string, string> = {};
    const options: Record<string, string> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value !== 'string' || name === 'to') continue;
      if (name.startsWith('v:')) variables[name.slice(2)] = value;
      else options[name] = value;
    }
    const id = `<${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}.${randomBytes(8).toString('hex').toUpperCase()}@${domain}>`;
    received.push({ domain: target, id, to, mime, variables, options, messageId: messageIdOf(mime), receivedAt: new Date() });
    return answer(req, res, 200, json({ id, message: QUEUED }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    domain,
    received,
    requests,
    failNext(status, count = 1, o = {}) {
      for (let i = 0; i < count; i++) planned.push({ kind: 'fail', status, ...o });
    },
    stallNext(count = 1) {
      for (let i = 0; i < count; i++) planned.push({ kind: 'stall' });
    },
    eventFor(message, event, signingKey, sign) {
      return signMailgunWebhook(mailgunEventData(event, message), signingKey, sign);
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The Message-ID header of a MIME message (unfolded), angle brackets included. */
function messageIdOf(mime: Buffer): string | null {
  const text = mime.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head);
  return m ? m[1]! : null;
}

// ---- Webhook posts, built the way Mailgun builds them ----------------------------------------

export interface SignOptions {
  /** Unix seconds (as Mailgun sends them: a string). Default now. */
  timestamp?: number;
  /** Default: 50 random hex characters, like Mailgun's. */
  token?: string;
}

export interface MailgunWebhookPost {
  signature: { timestamp: string; token: string; signature: string };
  'event-data': Record<string, unknown>;
}

/** Wraps event-data with a signature over timestamp + token, HMAC-SHA256 with `signingKey`, hex. */
export function signMailgunWebhook(eventData: Record<string, unknown>, signingKey: string, opts: SignOptions = {}): MailgunWebhookPost {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const token = opts.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', signingKey).update(timestamp + token).digest('hex');
  return { signature: { timestamp, token, signature }, 'event-data': eventData };
}

export type EventSpec =
  | { event: 'delivered'; recipient?: string }
  | { event: 'failed'; severity: 'permanent' | 'temporary'; reason?: string; recipient?: string; deliveryStatus?: Record<string, unknown> }
  | { event: 'complained'; recipient?: string }
  | { event: 'unsubscribed'; recipient?: string }
  | { event: 'opened' | 'clicked' | 'accepted'; recipient?: string };

export interface EventTarget {
  to: string[];
  messageId: string | null;
  variables: Record<string, string>;
  domain: string;
}

/**
 * event-data as in Mailgun's "Webhook Payloads" examples: `message.headers["message-id"]` without
 * angle brackets, `user-variables` echoing the `v:` variables, `timestamp` as float seconds,
 * `delivery-status.code` as a number.
 */
export function mailgunEventData(spec: EventSpec, target: EventTarget): Record<string, unknown> {
  const recipient = spec.recipient ?? target.to[0] ?? 'guest@example.com';
  const base: Record<string, unknown> = {
    id: randomBytes(16).toString('base64url').slice(0, 22),
    timestamp: Date.now() / 1000,
    event: spec.event,
    recipient,
    'recipient-domain': recipient.split('@')[1] ?? '',
    message: { headers: { 'message-id': (target.messageId ?? '').replace(/^<|>$/g, ''), to: recipient, from: `bounces@${target.domain}`, subject: 'Ihre Buchungsbestätigung' }, size: 2048 },
    envelope: { transport: 'smtp', sender: `postmaster@${target.domain}`, targets: recipient, 'sending-ip': '198.61.254.13' },
    flags: { 'is-authenticated': true, 'is-test-mode': false, 'is-routed': false },
    tags: [],
    campaigns: [],
    'user-variables': { ...target.variables },
  };
  switch (spec.event) {
    case 'delivered':
      return {
        ...base,
        'log-level': 'info',
        'delivery-status': { tls: true, 'mx-host': `mx.${base['recipient-domain']}`, code: 250, description: '', 'session-seconds': 0.43, utf8: true, 'attempt-no': 1, message: 'OK', 'certificate-verified': true },
      };
    case 'failed':
      return {
        ...base,
        'log-level': spec.severity === 'permanent' ? 'error' : 'warn',
        severity: spec.severity,
        reason: spec.reason ?? (spec.severity === 'permanent' ? 'bounce' : 'generic'),
        'delivery-status': spec.deliveryStatus ?? (spec.severity === 'permanent'
          ? { tls: true, 'mx-host': `mx.${base['recipient-domain']}`, 'attempt-no': 1, description: '', 'session-seconds': 1.2, utf8: true, code: 550, 'enhanced-code': '5.1.1', message: "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos", 'certificate-verified': true }
          : { 'mx-host': `mx.${base['recipient-domain']}`, 'attempt-no': 1, description: '', 'session-seconds': 0.5, 'retry-seconds': 600, code: 452, message: '4.2.2 The email account that you tried to reach is over quota.' }),
      };
    case 'complained':
      return { ...base, 'log-level': 'warn' };
    default:
      return { ...base, 'log-level': 'info' };
  }
}
