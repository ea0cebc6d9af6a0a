import type { OutboundMail, RecipientOutcome, SendResult, Transport } from './types.ts';
import { RouteConfigurationError } from './types.ts';

/**
 * Delivers through Mailgun's HTTP API by posting the complete MIME message to
 * `POST /v3/<domain>/messages.mime` (multipart/form-data: `to` = envelope recipients, `message` =
 * the MIME file), so the Message-ID and every header stay the ones Rebound built. Authentication is
 * HTTP basic `api:<API key>`. The only custom variable is `v:rebound-ref`, an opaque reference:
 * Mailgun copies v: variables into the message's X-Mailgun-Variables header, which recipients can see.
 *
 * Answers (Mailgun "API Response Codes"):
 *   200            accepted, `{ "id": "<…@domain>", "message": "Queued. Thank you." }`
 *   400, 413       final failure of this message; Mailgun's text kept verbatim
 *   401, 402, 403  the route is misconfigured (key, account) — RouteConfigurationError: loud, no retry storm
 *   404            "Domain not found": wrong domain or wrong region (an EU domain on the US API) — same
 *   429, 5xx, other, network errors, timeouts: deferred, retried with backoff
 */

export type MailgunRegion = 'eu' | 'us';

export const MAILGUN_REGION_ORIGINS: Readonly<Record<MailgunRegion, string>> = Object.freeze({
  eu: 'https://api.eu.mailgun.net',
  us: 'https://api.mailgun.net',
});

export interface MailgunTransportOptions {
  apiKey: string;
  /** The sending domain configured at Mailgun (REBOUND_MAILGUN_DOMAIN). */
  domain: string;
  /** Default 'eu' — the region hotels name for GDPR. */
  region?: MailgunRegion;
  /** An origin that overrides the region's (REBOUND_MAILGUN_BASE_URL): tests, proxies. */
  baseUrl?: string | null;
  /** Whole request, including the upload. Default 30 s. */
  timeoutMs?: number;
  /** Response bytes read at most (an error page from a proxy can be large). Default 64 KiB. */
  maxResponseBytes?: number;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
}

/** What Mailgun said beyond the common SendResult: when to come back after a 429/503. */
export interface MailgunSendResult extends SendResult {
  retryAfterSeconds: number | null;
}

/** The API origin for a region or an override, without trailing slash; throws on an unusable override. */
export function mailgunOrigin(region: MailgunRegion = 'eu', baseUrl?: string | null): string {
  if (baseUrl) {
    const u = new URL(baseUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('REBOUND_MAILGUN_BASE_URL must be an http(s) origin');
    return `${u.protocol}//${u.host}`;
  }
  const origin = MAILGUN_REGION_ORIGINS[region];
  if (!origin) throw new Error(`REBOUND_MAILGUN_REGION must be eu or us, not ${region}`);
  return origin;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const COMMAND = 'POST messages.mime';
/** Mailgun's variable name for the opaque reference; webhooks return it in event-data.user-variables. */
export const MAILGUN_REFERENCE_VARIABLE = 'rebound-ref';

export class MailgunTransport implements Transport {
  readonly kind = 'mailgun';
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly host: string;
  /** Requests in progress: close() (a shutdown's drain deadline) aborts them. */
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: MailgunTransportOptions) {
    if (!options.apiKey) throw new Error('the Mailgun API key is empty');
    if (!options.domain || /[/?#\s]/.test(options.domain)) throw new Error('the Mailgun domain is empty or not a domain name');
    const origin = mailgunOrigin(options.region ?? 'eu', options.baseUrl);
    this.endpoint = `${origin}/v3/${encodeURIComponent(options.domain)}/messages.mime`;
    this.host = new URL(origin).host;
    this.authorization = 'Basic ' + Buffer.from(`api:${options.apiKey}`).toString('base64');
  }

  async send(mail: OutboundMail): Promise<MailgunSendResult> {
    const form = new FormData();
    for (const address of mail.envelopeTo) form.append('to', address);
    form.append('message', new Blob([new Uint8Array(mail.raw)], { type: 'message/rfc822' }), 'message.mime');
    form.append(`v:${MAILGUN_REFERENCE_VARIABLE}`, mail.reference);

    let response: Response;
    let text: string;
    const shutdown = new AbortController();
    this.inFlight.add(shutdown);
    try {
      response = await (this.options.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        headers: { authorization: this.authorization, accept: 'application/json' },
        body: form,
        redirect: 'error',
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS), shutdown.signal]),
      });
      text = await readCapped(response, this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    } catch (e) {
      // Timeouts, network failures and a shutdown's cut are temporary. If Mailgun had in fact queued the
      // message, the retry sends it twice — at-least-once is the contract; the Message-ID identifies the duplicate.
      return this.everyone(mail, 'deferred', null, localError(e), null);
    } finally {
      this.inFlight.delete(shutdown);
    }

    const status = response.status;
    const providerText = messageOf(text);
    if (status >= 200 && status < 300) {
      const body = parseJson(text) as { id?: unknown; message?: unknown } | null;
      if (!body || typeof body.id !== 'string' || !body.id) {
        // Not Mailgun's documented answer: most likely REBOUND_MAILGUN_BASE_URL points somewhere else.
        throw new RouteConfigurationError(`${this.host} answered ${status} without a Mailgun message id`, text.slice(0, 500));
      }
      const result = this.everyone(mail, 'accepted', String(status), typeof body.message === 'string' ? body.message : providerText, null);
      return { ...result, remoteId: body.id };
    }
    if (status === 401 || status === 402 || status === 403 || status === 404) {
      const what = status === 404 ? 'does not know the domain (wrong REBOUND_MAILGUN_DOMAIN or REBOUND_MAILGUN_REGION?)' : 'refused the credentials (check REBOUND_MAILGUN_API_KEY)';
      throw new RouteConfigurationError(`Mailgun at ${this.host} ${what}: HTTP ${status}`, providerText);
    }
    if (status === 400 || status === 413) return this.everyone(mail, 'failed', String(status), providerText, null);
    // 429 (rate limit), 5xx, and anything undocumented: retry later, never lose the message.
    return this.everyone(mail, 'deferred', String(status), providerText, retryAfterSeconds(response.headers.get('retry-after')));
  }

  /** Aborts requests still in progress (at a shutdown's drain deadline): their recipients are deferred. */
  async close(): Promise<void> {
    for (const c of this.inFlight) c.abort(new Error('the process is shutting down'));
  }

  private everyone(mail: OutboundMail, result: RecipientOutcome['result'], replyCode: string | null, response: string | null, retryAfter: number | null): MailgunSendResult {
    return {
      recipients: mail.envelopeTo.map((address) => ({ address, result, replyCode, status: null, response, command: COMMAND })),
      remoteMta: this.host,
      remoteId: null,
      retryAfterSeconds: retryAfter,
    };
  }
}

/** Mailgun's error bodies are `{ "message": "…" }`; the message is the provider's text. Otherwise the body as sent. */
function messageOf(text: string): string | null {
  const body = parseJson(text) as { message?: unknown } | null;
  if (body && typeof body.message === 'string') return body.message;
  const trimmed = text.trim();
  return trimmed ? trimmed : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= max) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** "fetch failed" alone tells an operator nothing; the cause carries ECONNREFUSED, ENOTFOUND, … */
function localError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer from Mailgun in time (${err.message})`;
  const cause = err.cause ? ` (${err.cause.code ?? err.cause.message})` : '';
  return `${err.message}${cause}`;
}

function retryAfterSeconds(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
