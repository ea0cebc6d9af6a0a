import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Mailgun event webhooks (documentation.mailgun.com, "Securing Webhooks", "Webhook Payloads"):
 *   { "signature": { "timestamp": "1770920772", "token": "<50 chars>", "signature": "<hex>" },
 *     "event-data": { "event": "failed", "severity": "permanent", "recipient": …, … } }
 * signature = hex HMAC-SHA256(key = the WEBHOOK SIGNING KEY — not the API key, message = timestamp + token).
 *
 * The signature covers only timestamp and token, not event-data. What makes event-data trustworthy is
 * that a signed token is used once (replay guard) within a short time window (tolerance) over TLS.
 *
 * Mailgun retries a post that gets no 2xx, except that a 406 Not Acceptable tells it to stop — so
 * everything refused here maps to 406, and the route answers 200 once the event is stored.
 */

export type MailgunEventType = 'delivered' | 'failed' | 'complained' | 'unsubscribed' | 'other';

export interface MailgunDeliveryStatus {
  /** SMTP reply code (or Mailgun's own, e.g. 605 "Not delivering to previously bounced address"), as text. */
  code: string | null;
  /** The receiving server's reply, verbatim. */
  message: string | null;
  /** Mailgun's description, verbatim. */
  description: string | null;
  /** RFC 3463 status, from `enhanced-code` or, failing that, the start of `message`. */
  enhancedCode?: string;
  /** The MX host Mailgun talked to. */
  mxHost?: string;
}

export interface MailgunEvent {
  /** Mailgun's event id (`event-data.id`, unique for at least a day), or the signature token when absent. */
  eventId: string;
  /** The signature token (for the replay guard). */
  token: string;
  type: MailgunEventType;
  /** The event name as Mailgun sent it ('failed', 'opened', 'accepted', …). */
  mailgunEvent: string;
  /** For `failed`: permanent (final) or temporary (Mailgun keeps retrying); null otherwise. */
  severity: 'permanent' | 'temporary' | null;
  recipient: string | null;
  /** Our opaque reference, from user-variables["rebound-ref"]. */
  reference: string | null;
  /** The Message-ID header, angle brackets included, as Rebound stores it. */
  messageId: string | null;
  /** When the event happened (event-data.timestamp), not when it was posted. */
  timestamp: Date;
  deliveryStatus: MailgunDeliveryStatus | null;
  /** Mailgun's reason ('bounce', 'suppress-bounce', 'generic', 'greylisted', 'old', …) — a hint, not a verdict. */
  reasonHint: string | null;
  /** The text the hotel sees 1:1 (see `remoteErrorText`). */
  remoteError: string | null;
}

export type MailgunWebhookRefusalCode = 'malformed' | 'bad_signature' | 'stale' | 'replayed' | 'unknown_message';

export interface MailgunWebhookRefusal {
  code: MailgunWebhookRefusalCode;
  /** Stable catalogue code, REBOUND_ERR_MAILGUN_WEBHOOK_<WHAT>. */
  errorCode: string;
  /** 406: Mailgun does not retry it. */
  httpStatus: 406;
  message: string;
}

export type MailgunWebhookResult = { ok: true; event: MailgunEvent } | { ok: false; refusal: MailgunWebhookRefusal };

/** Records a token and says whether it had been seen before — atomically (a unique key in the DB). */
export interface MailgunReplayGuard {
  seenToken(token: string): Promise<boolean>;
}

export interface MailgunWebhookOptions {
  /** REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY. */
  signingKey: string;
  /** How far the signature timestamp may be from now, either way. Default 5 minutes. */
  toleranceMs?: number;
  /** Current time in ms (tests). */
  now?: () => number;
  /** Largest body accepted. Default 256 KiB; Mailgun's event payloads are a few KiB. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAILGUN_TOLERANCE_MS = 5 * 60 * 1000;
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const REFERENCE_VARIABLE = 'rebound-ref';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;
const TOKEN = /^[\x21-\x7e]{1,256}$/;
const ENHANCED_STATUS = /^([245]\.\d{1,3}\.\d{1,3})\b/;

const REFUSALS: Readonly<Record<MailgunWebhookRefusalCode, string>> = Object.freeze({
  malformed: 'REBOUND_ERR_MAILGUN_WEBHOOK_MALFORMED',
  bad_signature: 'REBOUND_ERR_MAILGUN_WEBHOOK_SIGNATURE',
  stale: 'REBOUND_ERR_MAILGUN_WEBHOOK_STALE',
  replayed: 'REBOUND_ERR_MAILGUN_WEBHOOK_REPLAYED',
  unknown_message: 'REBOUND_ERR_MAILGUN_WEBHOOK_UNKNOWN_MESSAGE',
});

/** A refusal in the route's terms; also for the route's own "unknown message" verdict after lookup. */
export function mailgunRefusal(code: MailgunWebhookRefusalCode, message: string): MailgunWebhookRefusal {
  return { code, errorCode: REFUSALS[code], httpStatus: 406, message };
}

const refuse = (code: MailgunWebhookRefusalCode, message: string): MailgunWebhookResult => ({ ok: false, refusal: mailgunRefusal(code, message) });

/**
 * Signature, freshness and shape — everything but the replay guard, with no I/O. Use this when the
 * token is recorded in the same transaction that applies the event (recommended: if applying fails,
 * the token is not burnt, and Mailgun's retry is not refused as a replay).
 *
 * `body` is the raw body (string or Buffer) or, when a framework already parsed the JSON, the object.
 */
export function verifyMailgunWebhook(body: unknown, opts: MailgunWebhookOptions): MailgunWebhookResult {
  if (!opts.signingKey) throw new Error('the Mailgun webhook signing key is not configured');
  let parsed: unknown = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (size > (opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)) return refuse('malformed', 'body too large');
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      return refuse('malformed', 'body is not JSON');
    }
  }
  if (!isObject(parsed)) return refuse('malformed', 'body is not a JSON object');
  const sig = parsed['signature'];
  if (!isObject(sig)) return refuse('malformed', 'signature object missing');
  const timestamp = typeof sig['timestamp'] === 'number' ? String(sig['timestamp']) : sig['timestamp'];
  const token = sig['token'];
  const signature = sig['signature'];
  if (typeof timestamp !== 'string' || !UNIX_SECONDS.test(timestamp)) return refuse('malformed', 'signature.timestamp is not unix seconds');
  if (typeof token !== 'string' || !TOKEN.test(token)) return refuse('malformed', 'signature.token missing or invalid');
  if (typeof signature !== 'string') return refuse('malformed', 'signature.signature missing');

  // Subaccount events also carry `parent-signature`, made with the primary account's key; accept it
  // when that is the key configured.
  const expected = createHmac('sha256', opts.signingKey).update(timestamp + token).digest();
  const candidates = [signature, sig['parent-signature']].filter((s): s is string => typeof s === 'string' && HEX_SHA256.test(s));
  if (!candidates.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) {
    return refuse('bad_signature', 'signature does not match the webhook signing key');
  }

  const now = (opts.now ?? Date.now)();
  const tolerance = opts.toleranceMs ?? DEFAULT_MAILGUN_TOLERANCE_MS;
  if (Math.abs(now - Number(timestamp) * 1000) > tolerance) {
    return refuse('stale', `signature timestamp is more than ${Math.round(tolerance / 1000)} s away from now`);
  }

  const data = parsed['event-data'];
  if (!isObject(data)) return refuse('malformed', 'event-data object missing');
  const mapped = mapEventData(data, token);
  return typeof mapped === 'string' ? refuse('malformed', mapped) : { ok: true, event: mapped };
}

/** `verifyMailgunWebhook`, then the replay guard (consulted only for genuine, fresh posts). */
export async function acceptMailgunWebhook(body: unknown, opts: MailgunWebhookOptions & { replayGuard: MailgunReplayGuard }): Promise<MailgunWebhookResult> {
  const verified = verifyMailgunWebhook(body, opts);
  if (!verified.ok) return verified;
  if (await opts.replayGuard.seenToken(verified.event.token)) return refuse('replayed', 'signature token was already used');
  return verified;
}

/** The HTTP status the route answers: 200 for an accepted event, 406 (Mailgun: do not retry) for a refusal. */
export function mailgunWebhookHttpStatus(result: MailgunWebhookResult): 200 | 406 {
  return result.ok ? 200 : 406;
}

/**
 * The receiving server's error text shown to the hotel 1:1: delivery-status.message if it says
 * anything, else delivery-status.description (Mailgun's own text, e.g. for a dropped address), else
 * null. Returned verbatim — not trimmed, not joined.
 */
export function remoteErrorText(status: { message?: string | null; description?: string | null } | null | undefined): string | null {
  if (!status) return null;
  if (typeof status.message === 'string' && status.message.trim() !== '') return status.message;
  if (typeof status.description === 'string' && status.description.trim() !== '') return status.description;
  return null;
}

function mapEventData(data: Record<string, unknown>, token: string): MailgunEvent | string {
  const name = data['event'];
  if (typeof name !== 'string' || !name) return 'event-data.event missing';
  const when = typeof data['timestamp'] === 'number' ? data['timestamp'] : Number(data['timestamp']);
  if (!Number.isFinite(when) || when <= 0) return 'event-data.timestamp missing';
  const type: MailgunEventType = name === 'delivered' || name === 'failed' || name === 'complained' || name === 'unsubscribed' ? name : 'other';
  const severity = name === 'failed' ? data['severity'] : null;
  if (name === 'failed' && severity !== 'permanent' && severity !== 'temporary') return 'a failed event needs severity permanent or temporary';
  const recipient = optionalString(data['recipient']);
  if ((type === 'delivered' || type === 'failed' || type === 'complained' || type === 'unsubscribed') && !recipient) {
    return `a ${name} event needs a recipient`;
  }
  const deliveryStatus = mapDeliveryStatus(data['delivery-status']);
  const message = isObject(data['message']) ? data['message'] : null;
  const headers = message && isObject(message['headers']) ? message['headers'] : null;
  const variables = isObject(data['user-variables']) ? data['user-variables'] : null;
  const reference = variables ? variables[REFERENCE_VARIABLE] : undefined;
  return {
    eventId: optionalString(data['id']) ?? token,
    token,
    type,
    mailgunEvent: name,
    severity: severity as MailgunEvent['severity'],
    recipient,
    // Mailgun parses v: values that look like JSON; a reference "12345" comes back as a number.
    reference: typeof reference === 'number' ? String(reference) : optionalString(reference),
    messageId: bracketed(optionalString(headers?.['message-id'])),
    timestamp: new Date(Math.round(when * 1000)),
    deliveryStatus,
    reasonHint: optionalString(data['reason']),
    remoteError: remoteErrorText(deliveryStatus),
  };
}

function mapDeliveryStatus(raw: unknown): MailgunDeliveryStatus | null {
  if (!isObject(raw)) return null;
  const code = raw['code'];
  const message = typeof raw['message'] === 'string' ? raw['message'] : null;
  const status: MailgunDeliveryStatus = {
    code: typeof code === 'number' ? String(code) : optionalString(code),
    message,
    description: typeof raw['description'] === 'string' ? raw['description'] : null,
  };
  const enhanced = [raw['enhanced-code'], raw['bounce-code']].map(optionalString).find((c) => c && ENHANCED_STATUS.test(c))
    ?? ENHANCED_STATUS.exec(message ?? '')?.[1];
  if (enhanced) status.enhancedCode = ENHANCED_STATUS.exec(enhanced)![1]!;
  const mx = optionalString(raw['mx-host']);
  if (mx) status.mxHost = mx;
  return status;
}

/** Mailgun reports `message-id` without angle brackets; Rebound keys messages by the header value with them. */
function bracketed(id: string | null): string | null {
  if (!id) return null;
  const bare = id.trim().replace(/^<|>$/g, '');
  return bare ? `<${bare}>` : null;
}

function optionalString(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
