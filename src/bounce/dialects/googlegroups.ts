/**
 * Google Groups: a post to a group that does not exist or does not accept the sender. Google sends it from
 * its mailer daemon in the sender's language, names the group in X-Failed-Recipients and gives no SMTP code.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect } from '../record.ts';
import { addressesIn, collapse, reportSection } from '../report-text.ts';

function decode(message: BounceMessage): Decoded | null {
  if (!message.from.includes('mailer-daemon@google')) return null;
  // A report with a machine-readable delivery-status part is an ordinary DSN (RFC 3464 reads it better).
  if (message.deliveryStatus.length) return null;
  const groups = message.headers.getAll('x-failed-recipients').flatMap((v) => addressesIn(v)).filter((a) => a.toLowerCase().endsWith('@googlegroups.com'));
  if (!groups.length) return null;
  const diagnostic = collapse(reportSection(message.text)).slice(0, 1000);
  return {
    decodedBy: 'googlegroups',
    recipients: groups.map((address) => ({ address, action: 'failed', diagnosticCode: diagnostic, hint: 'rejected' as const, hintFrom: 'dialect:googlegroups' })),
  };
}

export default Object.freeze({ id: 'googlegroups', decode }) satisfies Dialect;
