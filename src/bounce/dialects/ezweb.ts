/**
 * au by KDDI (EZweb, ezweb.ne.jp / au.com) mobile mail: "Mail System Error - Returned Mail" from Postmaster,
 * a Japanese preamble, then an English sentence and the recipients:
 *
 *   The user(s) account is disabled.
 *   <guest@ezweb.ne.jp>: 550 user unknown (in reply to RCPT TO command)
 *
 *   Each of the following recipients was rejected by a remote mail server.
 *      Recipient: <guest@example.net>
 *      >>> RCPT TO:<guest@example.net>
 *      <<< 550 <guest@example.net>: User unknown
 *
 * An "X-SPASIGN: NG" header means au's spam filter refused the mail. Layout and au's sentences after
 * Sisimai's Lhost::EZweb (BSD-2-Clause, azumakuniyuki and the sisimai development team); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { parseDeliveryStatus, recipientsFromFields } from '../rfc3464.ts';
import { collapse } from '../report-text.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

/** [au's own sentence, reason]. */
const SENTENCES: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  // Your message was not delivered within 0 days and 1 hours. Remote host is not responding.
  Object.freeze(['your message was not delivered within ', 'expired'] as const),
  Object.freeze(['the user(s) account is temporarily over quota', 'mailboxfull'] as const),
  Object.freeze(['each of the following recipients was rejected by a remote mail server', 'onhold'] as const),
  // The recipient's contract may be suspended (unpaid) or limited.
  Object.freeze(['the user(s) account is disabled.', 'suspend'] as const),
  Object.freeze(['the user(s) account is temporarily limited.', 'suspend'] as const),
]);

const OWN_DOMAINS = ['@ezweb.ne.jp', '@au.com'];
const RECIPIENT_LINE = /^(?:Recipient:\s*)?<([^<>\s]+@[^<>\s]+)>/;
const END = /^-{20,}|^content-type:\s*message\/rfc822/im;

function isEzweb(message: BounceMessage): boolean {
  let evidence = 0;
  if (message.from.includes('postmaster@ezweb.ne.jp') || message.from.includes('postmaster@au.com')) evidence++;
  if (message.subject.trim() === 'mail system error - returned mail') evidence++;
  const id = message.headers.get('message-id') ?? '';
  if (id.includes('.ezweb.ne.jp>') || id.includes('.au.com>')) evidence++;
  if (evidence === 1 && message.headers.getAll('received').some((r) => r.includes('ezweb.ne.jp (EZweb Mail) with') || r.includes('.au.com ('))) evidence++;
  return evidence >= 2;
}

function decode(message: BounceMessage): Decoded | null {
  if (!isEzweb(message)) return null;
  const end = END.exec(message.text);
  const report = end ? message.text.slice(0, end.index) : message.text;

  const blocks: { address: string; bare: boolean; lines: string[] }[] = [];
  const preamble: string[] = [];
  for (const raw of report.split('\n')) {
    const line = raw.trim();
    // The Japanese preamble says what the English sentence says; only 7-bit lines are read.
    if (!line || /[^\x00-\x7f]/.test(line)) continue;
    const m = RECIPIENT_LINE.exec(line);
    const address = m ? firstAddress(m[1]) : null;
    if (address) blocks.push({ address, bare: line.startsWith('<'), lines: [line.slice(m![0].length).replace(/^[:\s]+/, '')] });
    else if (blocks.length) blocks[blocks.length - 1].lines.push(line);
    else preamble.push(line);
  }
  if (!blocks.length) return null;

  const dsn = message.deliveryStatus.flatMap((body) => {
    const { perMessage, perRecipient } = parseDeliveryStatus(body);
    return recipientsFromFields(perMessage, perRecipient);
  });
  const filteredBySpamFilter = (message.headers.get('x-spasign') ?? '').trim().toUpperCase() === 'NG';

  const recipients: RawRecipient[] = blocks.map(({ address, bare, lines }) => {
    const own = collapse(lines.join(' '));
    const context = collapse(`${preamble.join(' ')} ${own}`);
    const fields = dsn.find((d) => d.address.toLowerCase() === address.toLowerCase());
    const remote = own || fields?.diagnosticCode || null;
    const r: RawRecipient = {
      address,
      action: 'failed',
      status: fields?.status ?? findStatus(remote),
      replyCode: findReplyCode(remote),
      diagnosticCode: remote || context || null,
      remoteMta: fields?.remoteMta ?? null,
      command: findCommand(context),
    };
    const lower = context.toLowerCase();
    let reason: Reason | undefined = filteredBySpamFilter ? 'filtered' : SENTENCES.find(([f]) => lower.includes(f))?.[1];
    // A bare "<address>" line about another provider's address: au's relay was told the user does not exist.
    if (!reason && !OWN_DOMAINS.some((d) => address.toLowerCase().endsWith(d)) && bare) reason = 'userunknown';
    if (reason) {
      r.hint = reason;
      r.hintFrom = filteredBySpamFilter ? 'dialect:ezweb:x-spasign' : 'dialect:ezweb';
    }
    return r;
  });
  return { decodedBy: 'ezweb', recipients };
}

export default Object.freeze({ id: 'ezweb', decode }) satisfies Dialect;
