/**
 * What every outbound route (platform relay, Mailgun, the hotel's own SMTP server, the local capture
 * mailbox) implements. One call hands one complete MIME message to the next hop for one envelope.
 * Rebound sends one envelope per recipient, because the VERP return path names the recipient.
 */
export interface OutboundMail {
  /** Envelope sender (MAIL FROM / return path). */
  envelopeFrom: string;
  /** Envelope recipients (RCPT TO). */
  envelopeTo: string[];
  /** The complete RFC 5322 message, as it was built when the message was accepted. */
  raw: Buffer;
  /** Message-ID header value of `raw`, angle brackets included. */
  messageId: string;
  /** An opaque reference the route may pass to a provider (never guest data). */
  reference: string;
}

/** The next hop's verdict for one envelope recipient. */
export interface RecipientOutcome {
  address: string;
  /** accepted: the next hop took it; deferred: temporary, retry later; failed: permanent. */
  result: 'accepted' | 'deferred' | 'failed';
  /** SMTP reply code as received (e.g. "550"), or an HTTP status for providers; null for network errors. */
  replyCode: string | null;
  /** RFC 3463 enhanced status code as received or implied (e.g. "5.1.1"), or null. */
  status: string | null;
  /** The remote reply verbatim (the 1:1 text shown to the hotel), or the local error for network failures. */
  response: string | null;
  /** The SMTP command the reply answered (RCPT TO, DATA, …), when known. */
  command: string | null;
}

export interface SendResult {
  recipients: RecipientOutcome[];
  /** Host name of the server that answered. */
  remoteMta: string | null;
  /** The provider's or server's id for the accepted message (queue id), when given. */
  remoteId: string | null;
}

export interface Transport {
  /** 'relay' | 'capture' | 'mailgun' | 'smtp' */
  readonly kind: string;
  send(mail: OutboundMail): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * A failure of the route itself rather than of a recipient (wrong credentials, misconfiguration):
 * every recipient of the envelope is deferred, and operators are told loudly.
 */
export class RouteConfigurationError extends Error {
  readonly code = 'REBOUND_ERR_ROUTE_CONFIGURATION';
  constructor(message: string, readonly detail: string | null = null) {
    super(message);
  }
}
