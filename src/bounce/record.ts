/** What a decoder (dialect, RFC 3464, ARF, RFC 3834) hands to the analyser before reasons are decided. */
import type { BounceMessage } from './message.ts';
import type { Kind, Reason } from './types.ts';

export interface RawRecipient {
  address: string;
  action?: string | null;
  status?: string | null;
  replyCode?: string | null;
  /** Remote text, verbatim. */
  diagnosticCode?: string | null;
  /** "SMTP", "X-Unix", … (RFC 3464 diagnostic-type). */
  diagnosticType?: string | null;
  remoteMta?: string | null;
  /**
   * A fuller text for the reason rules when the remote text alone is terse, e.g. Postfix's sentence
   * "host … said: 550 … (in reply to RCPT TO command)". Never shown; diagnosticCode stays verbatim.
   */
  reasonText?: string | null;
  /** SMTP command the remote server answered (RCPT, DATA, …), if the report says. */
  command?: string | null;
  /** A reason the decoder knows for certain. */
  hint?: Reason | null;
  /** Names the rule behind `hint`, for reasonFrom. */
  hintFrom?: string | null;
  feedbackType?: string | null;
}

export interface Decoded {
  /** File name of the decoder under dialects/, or 'rfc3464', 'rfc3834', 'arf'. */
  decodedBy: string;
  kind?: Kind;
  recipients: RawRecipient[];
}

/** A dialect: one MTA's or provider's report format; `id` equals the file name. */
export interface Dialect {
  id: string;
  /** Decode the message, or return null when it is not in this dialect. Must not throw. */
  decode(message: BounceMessage): Decoded | null;
}
