/**
 * PowerMTA (Port25/SparkPost) "Delivery report": a standard DSN whose per-recipient group adds PowerMTA's own
 * verdict, X-PowerMTA-BounceCategory, and a Status with its RFC 3463 description in a comment:
 *
 *   Status: 5.2.1 (mailbox disabled, not accepting messages)
 *   Diagnostic-Code: smtp;550 5.2.1 <guest@example.net>... User Unknown
 *   X-PowerMTA-BounceCategory: bad-mailbox
 *
 * Categories after Sisimai's Lhost::PowerMTA (BSD-2-Clause, azumakuniyuki) and PowerMTA's user guide; the
 * code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { parseDeliveryStatus, recipientsFromFields } from '../rfc3464.ts';
import type { Reason } from '../types.ts';

/** X-PowerMTA-BounceCategory → reason. Only categories that name one cause are listed. */
const CATEGORIES: ReadonlyMap<string, Reason> = new Map<string, Reason>([
  ['bad-domain', 'hostunknown'],
  ['bad-mailbox', 'userunknown'],
  ['inactive-mailbox', 'suspend'],
  ['message-expired', 'expired'],
  ['no-answer-from-host', 'networkerror'],
  ['policy-related', 'policyviolation'],
  ['quota-issues', 'mailboxfull'],
  ['routing-errors', 'systemerror'],
  ['spam-related', 'spamdetected'],
  ['virus-related', 'virusdetected'],
  ['relaying-issues', 'norelaying'],
]);

function decode(message: BounceMessage): Decoded | null {
  const body = message.deliveryStatus.find((d) => d.toLowerCase().includes('x-powermta-'));
  if (!body) return null;
  const { perMessage, perRecipient } = parseDeliveryStatus(body);
  const recipients: RawRecipient[] = [];
  for (const group of perRecipient) {
    const r = recipientsFromFields(perMessage, [group])[0];
    if (!r) continue;
    // "Remote-MTA: dns;mx.example.net (192.0.2.40)": the host name alone.
    if (r.remoteMta) r.remoteMta = r.remoteMta.split(/\s/)[0];
    const category = (group.get('x-powermta-bouncecategory') ?? '').trim().toLowerCase();
    const hint = CATEGORIES.get(category);
    if (hint) {
      r.hint = hint;
      r.hintFrom = `dialect:powermta:${category}`;
    }
    // "5.2.1 (mailbox disabled, not accepting messages)": the comment is PowerMTA's reading of the status.
    const comment = /\(([^)]{3,200})\)/.exec(group.get('status') ?? '')?.[1];
    if (comment && r.diagnosticCode) r.reasonText = `${r.diagnosticCode} (${comment})`;
    recipients.push(r);
  }
  if (!recipients.length) return null;
  return { decodedBy: 'powermta', recipients };
}

export default Object.freeze({ id: 'powermta', decode }) satisfies Dialect;
