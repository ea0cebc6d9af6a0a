/**
 * Apache James (2.x AbstractNotify mailet) bounces: the error first, then a summary whose "RCPT TO:" lines
 * name the recipients; the original is often not attached.
 *
 *   Error message below:
 *   550 - Requested action not taken: no such user here
 *
 *   Message details:
 *     MAIL FROM: sender@example.com
 *     RCPT TO: guest@example.net
 *
 * Learned from Sisimai's Lhost::ApacheJames (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findReplyCode, findStatus, firstAddress } from '../smtp.ts';

const DETAILS = /^message details:\s*$/im;

function isJames(message: BounceMessage): boolean {
  if (message.subject.trim() === '[bounce]') return true;
  if ((message.headers.get('message-id') ?? '').includes('.JavaMail.')) return true;
  return message.headers.getAll('received').some((r) => r.includes('JAMES SMTP Server'));
}

function decode(message: BounceMessage): Decoded | null {
  if (!isJames(message)) return null;
  const text = message.text;
  const details = DETAILS.exec(text);
  if (!details) return null;
  const diagnostic = collapse(text.slice(0, details.index)) || null;
  const recipients: RawRecipient[] = [];
  for (const line of text.slice(details.index).split('\n').slice(1, 100)) {
    const m = /^\s+rcpt to:\s*(\S+)/i.exec(line);
    const a = m ? firstAddress(m[1]) : null;
    if (a) recipients.push({ address: a, action: 'failed', diagnosticCode: diagnostic, status: findStatus(diagnostic), replyCode: findReplyCode(diagnostic) });
  }
  return recipients.length ? { decodedBy: 'apachejames', recipients } : null;
}

export default Object.freeze({ id: 'apachejames', decode }) satisfies Dialect;
