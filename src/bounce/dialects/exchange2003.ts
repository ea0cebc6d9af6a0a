/**
 * Microsoft Exchange 2000/2003 non-delivery reports: "Your message did not reach some or all of the intended
 * recipients." followed by one block per recipient with an Exchange component code (MSEXCH:IMS:…, MSEXCH:IMC:…)
 * and, often, the X.400 MTS-ID of the original. No delivery-status part, no SMTP code.
 * Reasons after Sisimai's Lhost::Exchange2003 (BSD-2-Clause, azumakuniyuki and the sisimai team).
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect } from '../record.ts';
import type { Reason } from '../types.ts';
import { decodePlainText } from './plaintext.ts';

/** [lower-case fragment of the recipient block, reason] — Exchange's own texts. */
const TEXTS: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  // kijitora@example.jp on Thu, 29 Apr 2010 … The recipient name is not recognized MSEXCH:IMS:NNN:… (000C05A6) Unknown Recipient
  Object.freeze(['the recipient name is not recognized', 'userunknown'] as const),
  Object.freeze(['(000c05a6) unknown recipient', 'userunknown'] as const),
  // … An error occurred while trying to deliver the message … (000B099C) Host Unknown
  Object.freeze(['(000b099c) host unknown', 'hostunknown'] as const),
  // … Recipient Not Found MSEXCH:IMC:… (the recipient's server refused after reading the message)
  Object.freeze(['recipient not found', 'filtered'] as const),
  // … The message could not be delivered within the time limit
  Object.freeze(['could not be delivered within the time limit', 'expired'] as const),
  Object.freeze(['the message was too large', 'mesgtoobig'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  const text = message.text;
  if (!text.includes('MSEXCH:') && !text.includes('The MTS-ID of the original message is')) return null;
  if (!/did not reach (?:some or all of the intended recipients|the following recipient)|could not be reached/i.test(text)) return null;
  const decoded = decodePlainText(message, 'exchange2003');
  if (!decoded) return null;
  for (const r of decoded.recipients) {
    const lower = (r.diagnosticCode ?? '').toLowerCase();
    const row = TEXTS.find(([f]) => lower.includes(f));
    if (row) {
      r.hint = row[1];
      r.hintFrom = 'dialect:exchange2003';
    }
  }
  return decoded;
}

export default Object.freeze({ id: 'exchange2003', decode }) satisfies Dialect;
