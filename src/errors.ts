/**
 * The one error catalogue: stable codes, HTTP status and a default message. API answers are
 * `{ "error": { "code", "message", "field"? } }`; 5xx answers never carry internals.
 */
export const ERRORS = {
  REBOUND_ERR_AUTH_MISSING: { http: 401, message: 'Missing bearer token (Authorization: Bearer …).' },
  REBOUND_ERR_AUTH_INVALID: { http: 401, message: 'The bearer token is not valid.' },
  REBOUND_ERR_AUTH_FORBIDDEN: { http: 403, message: 'This token may not do that.' },
  REBOUND_ERR_REQUEST_INVALID: { http: 400, message: 'The request is not valid.' },
  REBOUND_ERR_REQUEST_TOO_LARGE: { http: 413, message: 'The request is too large.' },
  REBOUND_ERR_REQUEST_MEDIA_TYPE: { http: 415, message: 'Send the body as application/json.' },
  REBOUND_ERR_NOT_FOUND: { http: 404, message: 'Not found.' },
  REBOUND_ERR_IDEMPOTENCY_CONFLICT: { http: 409, message: 'This Idempotency-Key was used with a different request.' },
  REBOUND_ERR_RATE_LIMITED: { http: 429, message: 'Too many requests.' },
  REBOUND_ERR_WEBHOOK_TARGET_FORBIDDEN: { http: 400, message: 'Webhook endpoints may not point at private, loopback or link-local addresses.' },
  // Mailgun stops retrying a post answered 406 (and retries anything else but 2xx): every refusal is 406.
  REBOUND_ERR_MAILGUN_WEBHOOK_MALFORMED: { http: 406, message: 'Not a Mailgun event webhook.' },
  REBOUND_ERR_MAILGUN_WEBHOOK_SIGNATURE: { http: 406, message: 'The signature does not match the webhook signing key.' },
  REBOUND_ERR_MAILGUN_WEBHOOK_STALE: { http: 406, message: 'The signature timestamp is too old or in the future.' },
  REBOUND_ERR_MAILGUN_WEBHOOK_REPLAYED: { http: 406, message: 'This signature token was already used.' },
  REBOUND_ERR_MAILGUN_WEBHOOK_UNKNOWN_MESSAGE: { http: 406, message: 'The event is not about a message sent by this system.' },
  REBOUND_ERR_INTERNAL: { http: 500, message: 'Internal error; it has been logged.' },
  REBOUND_ERR_UNAVAILABLE: { http: 503, message: 'Not ready.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ReboundError extends Error {
  readonly http: number;
  constructor(readonly code: ErrorCode, message?: string, readonly field?: string) {
    super(message ?? ERRORS[code].message);
    this.http = ERRORS[code].http;
  }
  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}
