/**
 * OpenSMTPD: "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail." then one line per recipient,
 * "guest@example.net: 550 5.1.1 … " or OpenSMTPD's own verdict ("Envelope expired", "No MX found for domain").
 * Newer versions add a DSN part whose Status is only "4.0.0"/"5.0.0"; the text line has the real reply.
 * OpenSMTPD's verdicts (mta.c, queue.c) as tabulated by Sisimai's Lhost::OpenSMTPD (BSD-2-Clause,
 * azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { parseDeliveryStatus, recipientsFromFields } from '../rfc3464.ts';
import { collapse, remoteHostIn } from '../report-text.ts';
import { findCommand, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const BANNER = /this is the mailer-daemon, please do not reply to this e-?mail/i;
const LIST_START = /list of recipients:\s*$/im;
const LIST_END = /^\s*(?:please note that this is only a temporary failure report|below is a copy of the original message)/im;
const RECIPIENT_LINE = /^([^\s:<>]+@[^\s:<>]+):\s*(.*)$/;

/** [reason, lower-case fragment]: OpenSMTPD's own verdicts, no remote reply behind them. */
const VERDICTS: ReadonlyArray<readonly [Reason, string]> = Object.freeze([
  ['expired', 'envelope expired'], // queue.c: the envelope outlived its queue lifetime and was removed
  ['networkerror', 'network error on destination mxs'], // mta.c
  ['notaccept', 'no mx found for domain'], // mta.c: the domain publishes no usable MX
  ['hostunknown', 'domain not found'],
  ['hostunknown', 'invalid domain name'],
  ['networkerror', 'connection refused'],
  ['networkerror', 'could not retrieve source address'],
  ['securityerror', 'tls required but not supported by remote host'],
]);

function decode(message: BounceMessage): Decoded | null {
  const banner = BANNER.exec(message.text);
  if (!banner) return null;
  const body = message.text.slice(banner.index);
  const start = LIST_START.exec(body);
  if (!start) return null;
  const rest = body.slice(start.index + start[0].length);
  const end = LIST_END.exec(rest);
  const lines = (end ? rest.slice(0, end.index) : rest.slice(0, 8000)).split('\n');
  const dsn: RawRecipient[] = [];
  for (const part of message.deliveryStatus) {
    const { perMessage, perRecipient } = parseDeliveryStatus(part);
    dsn.push(...recipientsFromFields(perMessage, perRecipient));
  }
  const delayed = /a message is delayed/i.test(body.slice(0, start.index + start[0].length));
  const recipients: RawRecipient[] = [];
  for (const line of lines) {
    const m = RECIPIENT_LINE.exec(line.trim());
    if (!m) {
      // A long reply wrapped onto the next line.
      const last = recipients[recipients.length - 1];
      if (last && line.trim() && /^\s/.test(line)) last.diagnosticCode = collapse(`${last.diagnosticCode ?? ''} ${line}`);
      continue;
    }
    const address = firstAddress(m[1]) ?? m[1];
    const fields = dsn.find((d) => d.address.toLowerCase() === address.toLowerCase());
    const diagnostic = collapse(m[2]);
    const lower = diagnostic.toLowerCase();
    const hint = VERDICTS.find(([, f]) => lower.includes(f))?.[0] ?? null;
    // An expired envelope is removed from the queue: a final failure, whatever the report's heading says.
    const gaveUp = hint === 'expired';
    recipients.push({
      address,
      action: gaveUp ? 'failed' : fields?.action ?? (delayed ? 'delayed' : 'failed'),
      status: gaveUp ? '5.4.7' : fields?.status ?? null,
      diagnosticCode: diagnostic || null,
      remoteMta: fields?.remoteMta ?? remoteHostIn(diagnostic),
      command: findCommand(diagnostic),
      ...(hint ? { hint, hintFrom: 'dialect:opensmtpd' } : {}),
    });
    if (recipients.length >= message.limits.maxRecipients) break;
  }
  if (!recipients.length) return null;
  return { decodedBy: 'opensmtpd', recipients };
}

export default Object.freeze({ id: 'opensmtpd', decode }) satisfies Dialect;
