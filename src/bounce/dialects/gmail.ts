/**
 * Gmail's plain-text notices (before Gmail sent RFC 3464 reports, and still from some Google relays):
 *
 *   Delivery to the following recipient failed permanently:
 *        guest@example.net
 *   Technical details of permanent failure:
 *   Google tried to deliver your message, but it was rejected by the server for the recipient domain
 *   example.net by mx.example.net. [192.0.2.1].
 *   The error that the other server returned was:
 *   550 5.1.1 <guest@example.net>... User Unknown
 *
 * Older ones end the remote reply with Google's "(state N)", the SMTP stage it failed in. The state table
 * and Google's own sentences follow Sisimai's Lhost::Gmail (BSD-2-Clause, azumakuniyuki and the sisimai
 * development team); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse, reportSection } from '../report-text.ts';
import type { SmtpCommand } from '../smtp.ts';
import { findCommand, findStatus, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const OPENING = 'delivery to the following recipient';
const REMOTE_REPLY = /the error that the other server returned was:\s*(.+)$/is;
/** "… by mx.example.net. [192.0.2.1]." */
const REMOTE_HOST = /\bby\s+([a-z0-9][a-z0-9.\-]*\.[a-z]{2,})\.?\s*\[/i;
const STATE = /\(state (\d{1,2})\)/;

/** Google's "(state N)": the stage the remote server refused in, and what a refusal there means. */
const STATES: ReadonlyMap<string, readonly [SmtpCommand, Reason]> = new Map<string, readonly [SmtpCommand, Reason]>([
  ['6', ['MAIL', 'failedstarttls']], // 500 Remote server does not support TLS (state 6).
  ['8', ['AUTH', 'systemerror']], // 535 SMTP AUTH failed with the remote server. (state 8).
  ['9', ['AUTH', 'failedstarttls']], // 454 454 TLS missing certificate: … (state 9).
  ['12', ['AUTH', 'norelaying']], // 500 Remote server does not support SMTP Authenticated Relay (state 12).
  ['13', ['EHLO', 'blocked']], // 550 550 5.7.1 <…@gmail.com>... Access denied (state 13).
  ['14', ['RCPT', 'userunknown']], // 550 550 5.1.1 <…>... User Unknown (state 14).
  ['15', ['DATA', 'filtered']], // 550 550 5.7.1 SPF unauthorized mail is prohibited. (state 15).
  ['17', ['DATA', 'filtered']], // 550 550 <…> No such user here (state 17).
  ['18', ['DATA', 'filtered']], // 554 554 5.7.0 Header error (state 18).
]);

/** [lower-case fragment of Google's own text, reason]: no remote reply behind these. */
const GOOGLE_TEXTS: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze(['dns error: could not contact dns servers', 'expired'] as const),
  Object.freeze(['delivery to the following recipient has been delayed', 'expired'] as const),
  // The recipient server did not accept our requests to connect. Learn more at https://support.google.com/mail/answer/7720
  Object.freeze(['the recipient server did not accept our requests to connect', 'expired'] as const),
  Object.freeze(['dns error: domain name not found', 'hostunknown'] as const),
  Object.freeze(['dns error: dns server returned answer with no data', 'hostunknown'] as const),
]);

function isGmailNotice(message: BounceMessage): boolean {
  if (!message.from.includes('mailer-daemon@google')) return false;
  return message.subject.includes('delivery status notification');
}

function decode(message: BounceMessage): Decoded | null {
  if (!isGmailNotice(message) || message.deliveryStatus.length) return null;
  const report = reportSection(message.text);
  const lower = report.toLowerCase();
  const start = lower.indexOf(OPENING);
  if (start < 0) return null;

  const blocks: { address: string; lines: string[] }[] = [];
  let opening = '';
  for (const line of report.slice(start).split('\n')) {
    if (!line.trim()) continue;
    const address = line.startsWith(' ') && line.includes('@') ? firstAddress(line.trim()) : null;
    if (address) {
      blocks.push({ address, lines: [] });
    } else if (blocks.length) {
      blocks[blocks.length - 1].lines.push(line.trim());
    } else if (!opening) {
      opening = line.trim();
    }
  }
  if (!blocks.length) return null;

  const recipients: RawRecipient[] = blocks.map(({ address, lines }) => {
    const details = collapse(lines.join(' '));
    const all = `${opening} ${details}`.toLowerCase();
    const reply = REMOTE_REPLY.exec(details)?.[1]?.trim() ?? null;
    const delayed = opening.toLowerCase().includes('has been delayed');
    const r: RawRecipient = {
      address,
      action: delayed ? 'delayed' : 'failed',
      status: findStatus(reply ?? details),
      diagnosticCode: reply ?? (details || opening),
      remoteMta: REMOTE_HOST.exec(details)?.[1]?.toLowerCase() ?? null,
      command: findCommand(reply),
    };
    const state = STATE.exec(details)?.[1];
    const known = state ? STATES.get(state) : undefined;
    if (known) r.command = known[0];
    // As in Sisimai: a specific remote status (5.1.1, 5.2.2, 5.7.1) outranks Google's stage; a generic one does not.
    const specific = !!r.status && !/\.0\.|\.0$/.test(r.status);
    const reason = known?.[1] ?? GOOGLE_TEXTS.find(([f]) => all.includes(f))?.[1];
    if (reason && !specific) {
      r.hint = reason;
      r.hintFrom = known ? `dialect:gmail:state-${state}` : 'dialect:gmail';
    }
    return r;
  });
  return { decodedBy: 'gmail', recipients };
}

export default Object.freeze({ id: 'gmail', decode }) satisfies Dialect;
