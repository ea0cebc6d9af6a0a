/**
 * Google Workspace / Gmail notices about mail Google itself would not send, with an empty delivery-status
 * part (no Final-Recipient):
 *
 *   ** Message not delivered **
 *   You're sending this from a different address or alias using the 'Send mail as' feature. …
 *   The response was:
 *   Unspecified Error (SENT_SECOND_EHLO): Smtp server does not advertise AUTH capability
 *
 * The failed recipient is the returned original's To (X-Failed-Recipients may name a group instead).
 * Layout after Sisimai's Lhost::GoogleWorkspace (BSD-2-Clause, azumakuniyuki and the sisimai development
 * team); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse, reportSection } from '../report-text.ts';
import { findStatus, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const RESPONSE = /the response (?:from the remote server )?was:\s*([\s\S]+)$/i;
/** "Your message wasn't delivered to guest@example.net because …" */
const DELIVERED_TO = /wasn't delivered to\s+<?([^\s<>]+@[^\s<>]+?)>?\s+because/i;

/** [lower-case fragment of Google's text, reason]. */
const SENTENCES: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  // The address could not be found: Check for typos or unnecessary spaces and try again.
  Object.freeze(["because the address couldn't be found", 'userunknown'] as const),
  // The 'Send mail as' alias's own SMTP server refused the sender (support.google.com/mail/?p=CustomFromDenied).
  Object.freeze(["using the 'send mail as' feature", 'rejected'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  if (!message.from.includes('mailer-daemon@google') || !message.subject.includes('delivery status notification')) return null;
  // A delivery-status part with recipient fields is an ordinary DSN: RFC 3464 reads it.
  if (message.deliveryStatus.some((d) => /^(?:final|original)-recipient:/im.test(d))) return null;
  const report = reportSection(message.text);
  const start = report.search(/^\*\* /m);
  if (start < 0) return null;
  const body = collapse(report.slice(start));
  const address = firstAddress(DELIVERED_TO.exec(body)?.[1]) ?? firstAddress(message.original?.get('to'));
  if (!address) return null;
  const response = RESPONSE.exec(body)?.[1]?.trim() ?? null;
  const lower = body.toLowerCase();
  const reason = SENTENCES.find(([f]) => lower.includes(f))?.[1];
  const r: RawRecipient = {
    address,
    action: 'failed',
    status: findStatus(response),
    diagnosticCode: response ?? body.slice(0, 1000),
    ...(reason ? { hint: reason, hintFrom: 'dialect:googleworkspace' } : {}),
  };
  return { decodedBy: 'googleworkspace', recipients: [r] };
}

export default Object.freeze({ id: 'googleworkspace', decode }) satisfies Dialect;
