/**
 * Exim: "This message was created automatically by mail delivery software." followed by each failed address
 * indented by two spaces and Exim's explanation indented by four ("SMTP error from remote mail server after
 * RCPT TO:<…>: host mx.example.net [192.0.2.1]: 550 5.1.1 …"). Newer Exims add a message/delivery-status
 * part; the text is still the better witness (the DSN often names a pipe or file instead of the address).
 * Exim's sentences and their meaning come from its deliver.c, retry.c, routers and transports, as tabulated
 * by Sisimai's Lhost::Exim (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { parseDeliveryStatus, recipientsFromFields } from '../rfc3464.ts';
import { collapse, remoteHostIn, reportSection } from '../report-text.ts';
import type { SmtpCommand } from '../smtp.ts';
import { findReplyCode, findStatus, firstAddress } from '../smtp.ts';
import { pseudoStatus } from '../status-names.ts';
import type { Reason } from '../types.ts';

/** The first line of Exim's report body (deliver.c, receive.c). Lower-case, matched at line start. */
const OPENINGS: readonly string[] = Object.freeze([
  'this message was created automatically by mail delivery software',
  'a message that you sent was rejected by the local scanning code',
  'a message that you sent contained one or more recipient addresses',
  'a message that you sent could not be delivered to all of its recipients',
  'a message that you sent has not yet been delivered to one or more of its',
]);

const FROZEN = /^message \S+ (?:has been frozen|was frozen on arrival)/i;
const ROUTER_ERRORS = /^the \S+ router encountered the following error\(s\):/i;

/** Exim's Message-ID: "<E1P1YNN-0003AD-Ga@example.org>". */
const EXIM_MESSAGE_ID = /^<\w{6,7}-\w{6}-\w{2,4}@/;
const EXIM_SUBJECT = /mail delivery failed|warning: message \S+ delayed|delivery status notification|mail failure|message frozen|error\(s\) in forwarding or filtering/i;

/** "SMTP error from remote mail server after RCPT TO:<…>:", "LMTP error after end of data". */
const COMMAND_AFTER = /(?:smtp error from remote (?:mail server|mailer)|lmtp error) after (?:end of )?(rcpt|mail|data|ehlo|helo|initial connection|starttls|pipelined \w+)/i;
const COMMANDS: Readonly<Record<string, SmtpCommand>> = Object.freeze({
  rcpt: 'RCPT', mail: 'MAIL', data: 'DATA', ehlo: 'EHLO', helo: 'HELO', 'initial connection': 'CONN', starttls: 'STARTTLS',
});

/** [reason, lower-case fragment]: Exim's own words, which no remote server wrote. */
const SENTENCES: ReadonlyArray<readonly [Reason, string]> = Object.freeze([
  ['userunknown', 'user not found'], // route.c: getpwnam() returned NULL
  ['hostunknown', 'all host address lookups failed permanently'], // transports/smtp.c
  ['hostunknown', 'all relevant mx records point to non-existent hosts'], // routers/dnslookup.c
  ['hostunknown', 'unrouteable address'], // route.c
  ['mailboxfull', 'mailbox is full'], // transports/appendfile.c
  ['mailboxfull', 'error: quota exceed'],
  ['notaccept', 'an mx or srv record indicated no smtp service'], // routers/dnslookup.c
  ['notaccept', 'no host found for existing smtp connection'], // transports/smtp.c
  ['syntaxerror', 'angle-brackets nested too deep'], // parser.c
  ['syntaxerror', 'expected word or "<"'],
  ['syntaxerror', 'domain missing in source-routed address'],
  ['syntaxerror', 'malformed address:'],
  ['systemerror', 'delivery to file forbidden'], // deliver.c
  ['systemerror', 'delivery to pipe forbidden'],
  ['contenterror', 'too many "received" headers'], // deliver.c: suspected mail loop
]);

/** retry.c, transports/smtp.c, deliver.c: Exim gave up after retrying, or the message is frozen. */
const GAVE_UP: readonly string[] = Object.freeze([
  'retry timeout exceeded',
  'retry time not reached for any host after a long failure period',
  'all hosts have been failing for a long time and were last tried',
  'no action is required on your part',
  'delay reason: ',
  'has been frozen',
  'was frozen on arrival by ',
]);

function isExim(message: BounceMessage): boolean {
  let evidence = 0;
  if (message.from.startsWith('mail delivery system')) evidence++;
  if (EXIM_MESSAGE_ID.test(message.headers.get('message-id') ?? '')) evidence++;
  if (EXIM_SUBJECT.test(message.subject)) evidence++;
  if (message.headers.has('x-failed-recipients')) evidence++;
  return evidence >= 2;
}

interface Block {
  address: string;
  lines: string[];
  alias: string | null;
}

/** "  guest@example.net", "  guest@example.net: reason", "  bad@example.com <guest@example.net>: malformed …". */
const RECIPIENT_LINE = /^ {2}(?! )(?:\S+@\S+\s+<([^<>\s]+@[^<>\s]+)>:.*|("?[^\s"]*"?@[^\s:]+?\.?[A-Za-z0-9\]]+)(?::.*)?|(an undisclosed address)|((?:pipe to \||save to \/|\/|\|).+)|([^\s@:]+)(?::.*)?)$/;

function blocksOf(report: string): Block[] {
  const lines = report.split('\n');
  let start = lines.findIndex((l) => {
    const t = l.trim().toLowerCase();
    return OPENINGS.some((o) => t.startsWith(o)) || FROZEN.test(l.trim()) || ROUTER_ERRORS.test(l.trim());
  });
  if (start < 0) return [];
  const blocks: Block[] = [];
  for (let i = start; i < lines.length && i < start + 500; i++) {
    const line = lines[i].replace(/\s+$/, '');
    if (/^content-type:\s*message\/delivery-status/i.test(line)) break;
    const m = RECIPIENT_LINE.exec(line);
    if (m) {
      const address = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '';
      // A pipe or file delivery: the line itself says what failed ("pipe to |/usr/bin/procmail").
      const rest = m[1] || m[4] ? line.trim() : line.slice(line.indexOf(address) + address.length).replace(/^:\s*/, '');
      blocks.push({ address: address.replace(/:$/, ''), lines: rest ? [rest] : [], alias: null });
      continue;
    }
    const current = blocks[blocks.length - 1];
    const generated = /^\s+\(?generated (?:from|by) ([^\s)]+@[^\s)]+)\)?/i.exec(line);
    if (current && generated) {
      current.alias = generated[1];
      continue;
    }
    if (current && line.trim()) current.lines.push(line.trim());
    else if (!current && FROZEN.test(line.trim())) start = i;
  }
  return blocks;
}

function reasonOf(diagnostic: string, command: SmtpCommand): Reason | null {
  if (command === 'EHLO' || command === 'HELO') return 'blocked';
  const lower = diagnostic.toLowerCase();
  for (const [reason, fragment] of SENTENCES) if (lower.includes(fragment)) return reason;
  return GAVE_UP.some((f) => lower.includes(f)) ? 'expired' : null;
}

function decode(message: BounceMessage): Decoded | null {
  if (!isExim(message)) return null;
  const report = reportSection(message.text);
  const blocks = blocksOf(report);
  const dsn: RawRecipient[] = [];
  for (const body of message.deliveryStatus) {
    const { perMessage, perRecipient } = parseDeliveryStatus(body);
    dsn.push(...recipientsFromFields(perMessage, perRecipient));
  }
  const delayed = /^warning: message \S+ delayed/.test(message.subject) || report.toLowerCase().includes('has not yet been delivered');
  const recipients: RawRecipient[] = [];
  const failedHeader = message.headers.getAll('x-failed-recipients').flatMap((v) => v.split(',')).map((v) => firstAddress(v)).filter((a): a is string => !!a);
  const sources: Block[] = blocks.length
    ? blocks
    : failedHeader.map((address) => ({ address, lines: [], alias: null }));
  for (const [index, b] of sources.entries()) {
    // A pipe, a file or "an undisclosed address": the address it was generated from is the recipient.
    const local = b.address.toLowerCase();
    const address = /^[^\s\/|]+@/.test(b.address) ? b.address
      : b.alias
        // A bare local part ("  kijitora"): X-Failed-Recipients has the whole address.
        ?? failedHeader.find((a) => a.toLowerCase().startsWith(`${local}@`))
        ?? firstAddress(b.address)
        ?? (failedHeader.length === sources.length ? failedHeader[index] : undefined);
    if (!address) continue;
    const fields = dsn.find((d) => d.address.toLowerCase() === address.toLowerCase()) ?? (dsn.length === sources.length ? dsn[index] : undefined);
    let diagnostic = collapse(b.lines.join(' '));
    if (fields?.diagnosticCode && (!diagnostic || fields.diagnosticCode.length > diagnostic.length && fields.diagnosticCode.includes(diagnostic))) diagnostic = fields.diagnosticCode;
    const commandMatch = COMMAND_AFTER.exec(diagnostic);
    const command = commandMatch ? COMMANDS[commandMatch[1].toLowerCase()] ?? null : null;
    const hint = reasonOf(diagnostic, command);
    const replyCode = findReplyCode(diagnostic);
    let status = fields?.status ?? findStatus(diagnostic);
    // Neither a status nor a reply code: Exim gave up on its own (retry timeout, full mailbox); the
    // underlying failures were temporary ones (Sisimai's convention, kept so results compare).
    if (!status && !replyCode && (hint === 'expired' || hint === 'mailboxfull')) status = pseudoStatus(hint, true);
    recipients.push({
      address,
      action: delayed ? 'delayed' : fields?.action ?? 'failed',
      status,
      replyCode,
      diagnosticCode: diagnostic || null,
      diagnosticType: fields?.diagnosticType ?? null,
      remoteMta: fields?.remoteMta ?? remoteHostIn(diagnostic),
      command,
      ...(hint ? { hint, hintFrom: 'dialect:exim' } : {}),
    });
    if (recipients.length >= message.limits.maxRecipients) break;
  }
  if (!recipients.length) return null;
  return { decodedBy: 'exim', recipients };
}

export default Object.freeze({ id: 'exim', decode }) satisfies Dialect;
