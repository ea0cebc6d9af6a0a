import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec 1.0.0, "Signature scheme" and
 * "Webhook headers"): every POST to a PMS carries
 *   webhook-id:        msg_… (same on every retry of one event — the receiver's idempotency key)
 *   webhook-timestamp: unix seconds of this attempt
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, `${id}.${timestamp}.${body}`)> [more, space-separated]
 * The key is the base64-decoded part of the endpoint's secret `whsec_<base64>`; the spec asks for
 * 24 to 64 random bytes. Several signatures let a secret be rotated without downtime.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24; // spec: "at least 24 bytes (192 bits, 512 maximum)"
const MAX_SECRET_BYTES = 64;
/** The tolerance the official libraries enforce. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** Strict base64 (Buffer.from(…, 'base64') silently skips junk, which would hide a mangled secret). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Unix seconds as the header carries them. */
const UNIX_SECONDS = /^\d{1,12}$/;

/** A new endpoint secret; shown to the hotel once, stored encrypted. */
export function generateWebhookSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`a webhook secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`);
  }
  return WEBHOOK_SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The HMAC key inside `whsec_<base64>`; throws on anything else, so a mangled secret is noticed at once. */
export function decodeWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new TypeError('a webhook secret starts with whsec_');
  }
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) throw new TypeError('a webhook secret is whsec_ followed by base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new TypeError(`a webhook secret holds ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, this one ${key.length}`);
  }
  return key;
}

/** A webhook-id for one event: `msg_` + 24 random base64url characters (never a `.`, which the spec forbids). */
export function newWebhookMessageId(): string {
  return 'msg_' + randomBytes(18).toString('base64url');
}

export interface SignInput {
  /** webhook-id; stable across retries of one event. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes that will be sent. Sign once, send the same bytes: re-serialising JSON breaks signatures. */
  body: string | Buffer;
}

/**
 * The webhook-signature value: `v1,<base64>` for each secret, space-separated (current secret first,
 * then a secret being rotated out).
 */
export function signWebhook(input: SignInput, secrets: string | readonly string[]): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError('at least one secret is needed to sign');
  assertSignable(input);
  return list.map((s) => `v1,${hmac(decodeWebhookSecret(s), input).toString('base64')}`).join(' ');
}

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three headers of one attempt. */
export function webhookHeaders(input: SignInput, secrets: string | readonly string[]): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signWebhook(input, secrets),
  };
}

export type WebhookVerification =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: 'missing_header' | 'invalid_timestamp' | 'timestamp_out_of_tolerance' | 'no_matching_signature' | 'invalid_secret'; message: string };

export interface VerifyInput {
  /** Request headers: a fetch `Headers`, or node's `IncomingHttpHeaders`, or a plain record (any case). */
  headers: HeaderSource;
  /** The raw body exactly as received — not JSON.parse'd and re-stringified. */
  body: string | Buffer;
  /** The endpoint secret; several during a rotation. */
  secret: string | readonly string[];
  /** Seconds the timestamp may be away from now, either way. Default 300. */
  toleranceSeconds?: number;
  /** Current unix seconds (tests). */
  nowSeconds?: number;
}

export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/**
 * What a receiver (the PMS, or our own tests) does with a delivery: headers present, timestamp
 * within tolerance (stops replays of old captured requests), and at least one `v1` signature equal,
 * compared in constant time. Unknown versions (`v1a`, `v2`) are skipped, as the spec asks.
 */
export function verifyWebhook(input: VerifyInput): WebhookVerification {
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const sig = header(input.headers, 'webhook-signature');
  if (!id || !ts || !sig) return { ok: false, reason: 'missing_header', message: 'webhook-id, webhook-timestamp and webhook-signature are required' };
  if (!UNIX_SECONDS.test(ts)) return { ok: false, reason: 'invalid_timestamp', message: 'webhook-timestamp is not unix seconds' };
  const timestamp = Number(ts);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) {
    return { ok: false, reason: 'timestamp_out_of_tolerance', message: `webhook-timestamp is more than ${tolerance} s away from now` };
  }
  let keys: Buffer[];
  try {
    keys = (typeof input.secret === 'string' ? [input.secret] : input.secret).map(decodeWebhookSecret);
  } catch (e) {
    return { ok: false, reason: 'invalid_secret', message: (e as Error).message };
  }
  const signed = { id, timestamp, body: input.body };
  const expected = keys.map((k) => hmac(k, signed));
  for (const entry of sig.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const encoded = entry.slice(comma + 1);
    if (!BASE64.test(encoded)) continue;
    const given = Buffer.from(encoded, 'base64');
    for (const e of expected) {
      if (given.length === e.length && timingSafeEqual(given, e)) return { ok: true, id, timestamp };
    }
  }
  return { ok: false, reason: 'no_matching_signature', message: 'no v1 signature matches' };
}

function hmac(key: Buffer, { id, timestamp, body }: SignInput): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The spec warns that a `.` in the id (or a non-integer timestamp) lets one signed string be read two ways. */
function assertSignable({ id, timestamp }: SignInput): void {
  if (typeof id !== 'string' || id.length === 0 || id.includes('.')) throw new TypeError('webhook-id must be non-empty and contain no "."');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('webhook-timestamp must be whole unix seconds');
}

function header(source: HeaderSource, name: string): string | null {
  if (typeof (source as { get?: unknown }).get === 'function') return (source as { get(n: string): string | null }).get(name);
  const record = source as Record<string, string | string[] | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() !== name) continue;
    const v = record[key];
    return Array.isArray(v) ? v.join(' ') : (v ?? null);
  }
  return null;
}
