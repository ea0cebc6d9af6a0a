/**
 * BIGLOBE and the Japanese cable providers on its platform (inacatv, tmtv, ttv): "Returned mail: …" from
 * postmaster, with
 *
 *      ----- The following addresses had delivery problems -----
 *   guest@example.ne.jp
 *
 *      ----- Non-delivered information -----
 *   The number of messages in recipient's mailbox exceeded the local limit.
 *
 * The recipient may be a role address (postmaster@…): in this report it is the failed recipient, not the
 * sender. Layout and sentences after Sisimai's Lhost::Biglobe (BSD-2-Clause, azumakuniyuki and the sisimai
 * development team); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const PROVIDER_DOMAINS = ['@biglobe.ne.jp', '@inacatv.ne.jp', '@tmtv.ne.jp', '@ttv.ne.jp'];
const RECIPIENTS_BANNER = '----- the following addresses had delivery problems -----';
const END = /^content-type:\s*message\/rfc822|^-{4}_/im;

/** [lower-case sentence, reason]: the platform's own texts, no SMTP code behind them. */
const SENTENCES: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze(['mail delivery failed... user unknown', 'filtered'] as const),
  Object.freeze(["the number of messages in recipient's mailbox exceeded the local limit.", 'mailboxfull'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  if (!message.from.includes('postmaster@') || !PROVIDER_DOMAINS.some((d) => message.from.includes(d))) return null;
  if (!message.subject.startsWith('returned mail:')) return null;
  const lower = message.text.toLowerCase();
  const start = lower.indexOf(RECIPIENTS_BANNER);
  if (start < 0) return null;
  const rest = message.text.slice(start + RECIPIENTS_BANNER.length);
  const end = END.exec(rest);
  const report = end ? rest.slice(0, end.index) : rest;

  const addresses: string[] = [];
  const notes: string[] = [];
  for (const raw of report.split('\n')) {
    const line = raw.trim();
    if (!line || line.includes('--')) continue;
    const address = !line.includes(' ') && line.indexOf('@') > 0 ? firstAddress(line) : null;
    if (address) addresses.push(address);
    else notes.push(line);
  }
  if (!addresses.length) return null;
  const diagnostic = collapse(notes.join(' '));
  const reason = SENTENCES.find(([f]) => diagnostic.toLowerCase().includes(f))?.[1];
  const recipients: RawRecipient[] = addresses.map((address) => ({
    address,
    action: 'failed',
    diagnosticCode: diagnostic || null,
    ...(reason ? { hint: reason, hintFrom: 'dialect:biglobe' } : {}),
  }));
  return { decodedBy: 'biglobe', recipients };
}

export default Object.freeze({ id: 'biglobe', decode }) satisfies Dialect;
