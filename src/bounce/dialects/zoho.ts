/**
 * Zoho Mail's own notices (they carry an X-ZohoMail header), one line per recipient:
 *
 *   guest@example.net Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <guest@example.net>... User Unknown
 *   [Status: Error, Address: <guest@example.net>, ResponseCode 421, , Host not reachable.]
 *
 * The returned original's headers follow after a blank line, starting with "Received:".
 * Layout and Zoho's own sentence after Sisimai's Lhost::Zoho (BSD-2-Clause, azumakuniyuki and the sisimai
 * development team); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findStatus, firstAddress } from '../smtp.ts';

const OPENING = 'this message was created automatically by mail delivery';
/** "ERROR_CODE :550, ERROR_CODE :5.2.1 <…>... User Unknown" / "ResponseCode 421, , Host not reachable." */
const ERROR_LINE = /^(\S+@\S+)\s+(.*?ERROR_CODE\s*:.*)$/;
const STATUS_LINE = /^\[Status:\s*([^,]*),\s*Address:\s*<([^<>\s]+@[^<>\s]+)>,\s*(.*?)\]?$/i;
const REPLY = /(?:ERROR_CODE\s*:|ResponseCode\s+)([245]\d\d)\b/i;

function decode(message: BounceMessage): Decoded | null {
  if (!message.headers.has('x-zohomail') && !message.from.includes('mailer-daemon@mail.zoho')) return null;
  const text = message.text;
  const start = text.toLowerCase().indexOf(OPENING);
  if (start < 0) return null;
  // The returned original's headers follow the report after a blank line.
  const body = text.slice(start);
  const end = body.search(/\n\s*\nReceived:/i);
  const report = end < 0 ? body : body.slice(0, end);
  const delayed = /this is a warning message only|will be retried/i.test(report);

  const recipients: RawRecipient[] = [];
  for (const raw of report.split('\n')) {
    const line = raw.trim();
    const m = ERROR_LINE.exec(line);
    const s = m ? null : STATUS_LINE.exec(line);
    if (!m && !s) continue;
    const address = firstAddress(m ? m[1] : s![2]);
    if (!address) continue;
    const diagnostic = collapse(m ? m[2] : s![3]);
    const replyCode = REPLY.exec(diagnostic)?.[1] ?? null;
    const r: RawRecipient = {
      address,
      action: delayed ? 'delayed' : 'failed',
      status: findStatus(diagnostic),
      replyCode,
      diagnosticCode: diagnostic,
    };
    // Zoho's own sentence for an MX it could not connect to; it retries, then gives up.
    if (/host not reachable/i.test(diagnostic)) {
      r.hint = 'expired';
      r.hintFrom = 'dialect:zoho';
    }
    recipients.push(r);
  }
  if (!recipients.length) return null;
  return { decodedBy: 'zoho', recipients };
}

export default Object.freeze({ id: 'zoho', decode }) satisfies Dialect;
