/**
 * DragonFly Mail Agent (dma, the small MTA of DragonFly BSD and many containers):
 *
 *   This is the DragonFly Mail Agent v0.13 at mx.example.com.
 *   There was an error delivering your mail to <guest@example.net>.
 *   mx.example.net [192.0.2.25] did not like our RCPT TO: 550 5.1.1 <guest@example.net>: User unknown
 *   Message headers follow.
 *
 * dma's own sentences (net.c, dns.c, dma.c) name the command and the local verdicts; learned from Sisimai's
 * Lhost::DragonFly (BSD-2-Clause, azumakuniyuki), the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect } from '../record.ts';
import { collapse } from '../report-text.ts';
import type { SmtpCommand } from '../smtp.ts';
import { firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const BANNER = /^this is the dragonfly mail agent/im;
const DELIVERING_TO = /there was an error delivering your mail to\s*<?([^<>\s]+@[^<>\s]+?)>?\.?\s*$/im;
const END = /^message headers follow\.?\s*$/im;

/** net.c: "mx.example.net [192.0.2.25] did not like our RCPT TO: 550 …". */
const DID_NOT_LIKE = /^(\S+)\s+\[[^\]]*\]\s+did not like our (rcpt to|mail from|data|ehlo|helo|starttls|auth|final dot)/i;
const COMMANDS: Readonly<Record<string, SmtpCommand>> = Object.freeze({
  'rcpt to': 'RCPT', 'mail from': 'MAIL', data: 'DATA', 'final dot': 'DATA', ehlo: 'EHLO', helo: 'HELO', starttls: 'STARTTLS', auth: 'AUTH',
});

/** [reason, lower-case fragment]: dma's own verdicts, no remote server involved. */
const SENTENCES: ReadonlyArray<readonly [Reason, string]> = Object.freeze([
  ['hostunknown', 'dns lookup failure: host '], // dns.c: "DNS lookup failure: host %s not found"
  ['expired', 'could not deliver for the last '], // dma.c: "Could not deliver for the last %d seconds. Giving up."
  ['networkerror', 'unable to connect to '],
  ['networkerror', 'could not connect to '],
]);

function decode(message: BounceMessage): Decoded | null {
  const banner = BANNER.exec(message.text);
  if (!banner) return null;
  const body = message.text.slice(banner.index);
  const to = DELIVERING_TO.exec(body);
  if (!to) return null;
  const after = body.slice(to.index + to[0].length);
  const end = END.exec(after);
  const diagnostic = collapse(end ? after.slice(0, end.index) : after.slice(0, 4000));
  const liked = DID_NOT_LIKE.exec(diagnostic);
  const lower = diagnostic.toLowerCase();
  const hint = liked ? null : SENTENCES.find(([, f]) => lower.includes(f))?.[0] ?? null;
  return {
    decodedBy: 'dragonfly',
    recipients: [{
      address: firstAddress(to[1]) ?? to[1],
      // "Giving up" ends the delivery: a failure, though the cause was a temporary one.
      action: 'failed',
      ...(hint === 'expired' ? { status: '5.4.7' } : {}),
      diagnosticCode: diagnostic || null,
      remoteMta: liked ? liked[1].toLowerCase() : null,
      command: liked ? COMMANDS[liked[2].toLowerCase()] ?? null : null,
      ...(hint ? { hint, hintFrom: 'dialect:dragonfly' } : {}),
    }],
  };
}

export default Object.freeze({ id: 'dragonfly', decode }) satisfies Dialect;
