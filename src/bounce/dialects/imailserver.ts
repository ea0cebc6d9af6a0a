/**
 * Ipswitch IMail Server "Undeliverable Mail": one line per recipient, the verdict before the address:
 *
 *   Unknown user: guest@example.net
 *   Delivery failed 20 attempts: guest@example.net
 *
 *   Original message follows.
 *
 * Verdicts after Sisimai's Lhost::IMailServer (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const END = /^original message follows\.?\s*$/im;
/** "Body of message generated response:" introduces the remote server's reply. */
const RESPONSE = 'body of message generated response:';

/** [lower-case verdict prefix, reason] — IMail's own sentences. */
const VERDICTS: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze(['unknown user', 'userunknown'] as const),
  Object.freeze(['invalid final delivery userid', 'userunknown'] as const),
  Object.freeze(['unknown host', 'hostunknown'] as const),
  Object.freeze(['user mailbox exceeds allowed size', 'mailboxfull'] as const),
  Object.freeze(['requested action not taken: virus detected', 'virusdetected'] as const),
  Object.freeze(['delivery failed ', 'expired'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  const mailer = message.headers.get('x-mailer') ?? '';
  if (message.subject.trim() !== 'undeliverable mail' && !mailer.startsWith('<SMTP32 v')) return null;
  const end = END.exec(message.text);
  const text = end ? message.text.slice(0, end.index) : message.text.slice(0, 8000);
  const recipients: RawRecipient[] = [];
  let response = '';
  let inResponse = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const colon = t.lastIndexOf(': ');
    const address = colon > 8 ? firstAddress(t.slice(colon + 2)) : null;
    if (address && t.slice(colon + 2).trim().replace(/^<|>$/g, '') === address) {
      recipients.push({ address, action: 'failed', diagnosticCode: t });
      continue;
    }
    const undeliverable = /^undeliverable to\s+(\S+)/i.exec(t);
    if (undeliverable && firstAddress(undeliverable[1])) {
      recipients.push({ address: firstAddress(undeliverable[1]) as string, action: 'failed', diagnosticCode: t });
      continue;
    }
    if (t.toLowerCase().startsWith(RESPONSE)) {
      inResponse = true;
      response = t.slice(RESPONSE.length).trim();
    } else if (inResponse) response += ` ${t}`;
  }
  if (!recipients.length) return null;
  for (const r of recipients) {
    const verdict = (r.diagnosticCode ?? '').toLowerCase();
    const row = VERDICTS.find(([prefix]) => verdict.startsWith(prefix));
    if (response.trim()) r.diagnosticCode = collapse(`${response} ${r.diagnosticCode ?? ''}`);
    r.replyCode = findReplyCode(r.diagnosticCode);
    r.status = findStatus(r.diagnosticCode);
    r.command = findCommand(r.diagnosticCode);
    if (row) {
      r.hint = row[1];
      r.hintFrom = 'dialect:imailserver';
    }
  }
  return { decodedBy: 'imailserver', recipients };
}

export default Object.freeze({ id: 'imailserver', decode }) satisfies Dialect;
