/**
 * An unnamed MTA (Sisimai's "X3") that writes a framed notice:
 *
 *   ============================================================================
 *         This is an automatically generated Delivery Status Notification.
 *   Delivery to the following recipients failed permanently:
 *      * guest@example.net
 *   ============================================================================
 *                                Technical details:
 *   SMTP:RCPT host 192.0.2.8: 553 5.3.0 <guest@example.net>... No such user here
 *
 * "SMTP:<command>" names the command the remote refused. Layout learned from Sisimai's Lhost::X3
 * (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { reportSection } from '../report-text.ts';
import type { SmtpCommand } from '../smtp.ts';
import { findReplyCode, findStatus, firstAddress } from '../smtp.ts';

const BANNER = 'this is an automatically generated delivery status notification';
/** "Delivery to the following recipients failed permanently:" (also the misspelt "Delevery"). */
const FAILED_LIST = /^\s*del[ie]very to the following recipients? failed( permanently)?:?\s*$/im;
/** "SMTP:RCPT host 192.0.2.8: 553 5.3.0 …". */
const DETAIL = /^\s*SMTP:([A-Z]{4})\s+host\s+(\S+?):\s*(.*)$/im;
const COMMANDS: ReadonlySet<string> = new Set(['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA']);

function decode(message: BounceMessage): Decoded | null {
  if (!message.subject.startsWith('delivery status notification')) return null;
  const text = reportSection(message.text);
  if (!text.toLowerCase().includes(BANNER)) return null;
  const list = FAILED_LIST.exec(text);
  if (!list) return null;
  const recipients: RawRecipient[] = [];
  for (const line of text.slice(list.index + list[0].length).split('\n').slice(1, 100)) {
    const m = /^\s*\*\s*(\S+@\S+)\s*$/.exec(line);
    if (m) {
      const address = firstAddress(m[1]);
      if (address) recipients.push({ address, action: 'failed' });
      continue;
    }
    if (recipients.length && (!line.trim() || /^\s*=+\s*$/.test(line))) break;
  }
  if (!recipients.length) return null;
  const detail = DETAIL.exec(text);
  for (const r of recipients) {
    if (!detail) continue;
    const verb = detail[1].toUpperCase();
    r.command = COMMANDS.has(verb) ? (verb as SmtpCommand) : null;
    r.remoteMta = detail[2];
    r.diagnosticCode = detail[3].trim() || null;
    r.replyCode = findReplyCode(detail[3]);
    r.status = findStatus(detail[3]);
  }
  return { decodedBy: 'x3', recipients };
}

export default Object.freeze({ id: 'x3', decode }) satisfies Dialect;
