/**
 * Trustwave (Marshal) MailMarshal SMTP "Undeliverable Mail" notices:
 *
 *   Your message:
 *      From:    sender@example.com
 *      Subject: Booking
 *   Could not be delivered because of
 *   550 5.1.1 User unknown
 *   The following recipients were affected:
 *       guest@example.net
 *
 * Layout learned from Sisimai's Lhost::MailMarshalSMTP (BSD-2-Clause, azumakuniyuki); code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';

const BECAUSE = /^\s*could not be delivered because of\s*$/im;
const AFFECTED = /^\s*the following recipients were affected:?\s*$/im;

function decode(message: BounceMessage): Decoded | null {
  if (!message.subject.startsWith('undeliverable mail: ')) return null;
  const text = message.text;
  const because = BECAUSE.exec(text);
  const affected = AFFECTED.exec(text);
  if (!because || !affected || affected.index < because.index) return null;
  const diagnostic = collapse(text.slice(because.index + because[0].length, affected.index)) || null;
  const recipients: RawRecipient[] = [];
  for (const line of text.slice(affected.index + affected[0].length).split('\n').slice(1, 200)) {
    const t = line.trim();
    if (!t) {
      if (recipients.length) break;
      continue;
    }
    const a = firstAddress(t);
    if (!a) break;
    recipients.push({
      address: a, action: 'failed', diagnosticCode: diagnostic,
      status: findStatus(diagnostic), replyCode: findReplyCode(diagnostic), command: findCommand(diagnostic),
    });
  }
  const remote = /^\s*remote-mta:\s*<?([^>\s]+)>?/im.exec(text)?.[1] ?? null;
  for (const r of recipients) r.remoteMta = remote;
  return recipients.length ? { decodedBy: 'mailmarshal', recipients } : null;
}

export default Object.freeze({ id: 'mailmarshal', decode }) satisfies Dialect;
