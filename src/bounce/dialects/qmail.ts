/**
 * qmail and its descendants (netqmail, qmail-ldap, vpopmail setups): "Hi. This is the qmail-send program at …",
 * one "<guest@example.net>:" line per failed recipient followed by qmail's own sentence and, when a remote
 * server answered, "Remote host said: 550 …". qmail never writes a DSN, so its sentences are the evidence.
 * Sentences and their meaning come from qmail-remote.c, qmail-send.c, qmail-local.c and the qmail-ldap patch,
 * as tabulated by Sisimai's Lhost::qmail (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse, reportSection } from '../report-text.ts';
import type { SmtpCommand } from '../smtp.ts';
import { findCommand, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const GREETING = /^hi\. this is the qmail/im;

/** qmail-remote.c: which command the remote server refused. [fragment, command] */
const COMMAND_SENTENCES: ReadonlyArray<readonly [string, SmtpCommand]> = Object.freeze([
  [' but greeting failed', 'CONN'], // "Connected to 192.0.2.1 but greeting failed."
  [' but my name was rejected', 'EHLO'], // "Connected to 192.0.2.1 but my name was rejected."
  [' but sender was rejected', 'MAIL'], // "Connected to 192.0.2.1 but sender was rejected."
  [' does not like recipient', 'RCPT'], // "192.0.2.1 does not like recipient."
  [' failed on data command', 'DATA'],
  [' failed after i sent the message', 'DATA'],
]);

/** [reason, lower-case fragment] — qmail's own sentences, checked in order. */
const SENTENCES: ReadonlyArray<readonly [Reason, string]> = Object.freeze([
  ['userunknown', 'no mailbox here by that name'], // qmail-local.c: "Sorry, no mailbox here by that name. (#5.1.1)"
  ['mailboxfull', 'disk quota exceeded'], // error_str.c: EDQUOT
  ['mesgtoobig', 'message size exceeds fixed maximum message size'],
  ['hostunknown', "sorry, i couldn't find any host "], // qmail-remote.c: "…any host by that name. (#4.1.2)"
  ['notaccept', "sorry, i couldn't find a mail exchanger or ip address"], // "(#5.4.4)": the domain has no MX and no A
  ['systemfull', 'requested action not taken: mailbox unavailable (not enough free space)'],
  ['networkerror', "sorry, i wasn't able to establish an smtp connection"], // "(#4.4.1)"
  ['networkerror', "although i'm listed as a best-preference mx or a for that host"],
  // qmail-ldap
  ['suspend', 'mailaddress is administratively disabled'],
  ['suspend', 'mailaddress is administrativley disabled'],
  ['exceedlimit', 'the message exeeded the maximum size the user accepts'],
  ['systemerror', 'automatic homedir creator crashed'],
  ['systemerror', 'illegal value in ldap attribute'],
  ['systemerror', 'ldap attribute is not given but mandatory'],
  ['systemerror', 'timeout while performing search on ldap server'],
  ['systemerror', 'too many results returned but needs to be unique'],
  ['systemerror', 'error while executing qmail-forward'],
  ['systemerror', 'error in automatic homedir creation'],
  ['systemerror', 'temporary failure in ldap lookup'],
  ['systemerror', 'unable to contact ldap server'],
  ['systemerror', 'unable to login into ldap server'],
  ['systemerror', 'bad interpreter: no such file or directory'],
  ['systemerror', 'system error'],
  ['systemerror', 'unable to'],
]);

/** qmail-send.c: "I'm not going to try again; this message has been in the queue too long." */
const GAVE_UP = 'this message has been in the queue too long';

/** "Giving up on 192.0.2.1." / "Connected to 192.0.2.1 but …" / "remote host 192.0.2.1 …". */
const REMOTE = /(?:giving up on|connected to|remote host(?! said))\s+\[?([A-Za-z0-9][A-Za-z0-9.\-:]*[A-Za-z0-9])\]?/i;

function isQmail(message: BounceMessage): boolean {
  if (GREETING.test(message.text)) return true;
  return message.headers.getAll('received').some((r) => /\(qmail \d+ invoked (?:for bounce|from network)\)/i.test(r)) && message.subject === 'failure notice';
}

function reasonOf(diagnostic: string, remoteSaid: string, command: SmtpCommand): Reason | null {
  // A refused greeting name is 'blocked'; a refused sender 'rejected', unless the remote server's own words
  // are there for the provider tables and the reason engine to read.
  if (command === 'MAIL') return remoteSaid ? null : 'rejected';
  if (command === 'EHLO' || command === 'HELO') return 'blocked';
  const lower = diagnostic.toLowerCase();
  // qmail-remote-fallback: a refused recipient that then also expired decides nothing by itself.
  if (lower.includes(' does not like recipient') && lower.includes(GAVE_UP)) return 'onhold';
  const said = remoteSaid.toLowerCase();
  for (const [reason, fragment] of SENTENCES) if (said && said.includes(fragment)) return reason;
  for (const [reason, fragment] of SENTENCES) if (lower.includes(fragment)) return reason;
  return lower.includes(GAVE_UP) ? 'expired' : null;
}

function decode(message: BounceMessage): Decoded | null {
  if (!isQmail(message)) return null;
  const greeting = GREETING.exec(message.text);
  const report = reportSection(greeting ? message.text.slice(greeting.index) : message.text);
  const recipients: RawRecipient[] = [];
  let lines: string[] = [];
  const close = (): void => {
    const r = recipients[recipients.length - 1];
    if (!r) return;
    const diagnostic = collapse(lines.join(' '));
    const lower = diagnostic.toLowerCase();
    const command = COMMAND_SENTENCES.find(([f]) => lower.includes(f))?.[1] ?? findCommand(diagnostic);
    const remoteSaid = lines.find((l) => /^remote host said:/i.test(l.trim())) ?? '';
    r.diagnosticCode = diagnostic || null;
    r.command = command;
    r.remoteMta = REMOTE.exec(diagnostic)?.[1]?.toLowerCase() ?? null;
    const hint = reasonOf(diagnostic, remoteSaid, command);
    if (hint) {
      r.hint = hint;
      r.hintFrom = 'dialect:qmail';
    }
    lines = [];
  };
  for (const line of report.split('\n')) {
    const t = line.trim();
    const recipient = /^<([^<>\s]+@[^<>\s]+)>:?$/.exec(t);
    if (recipient) {
      close();
      recipients.push({ address: firstAddress(recipient[1]) ?? recipient[1], action: 'failed' });
      if (recipients.length >= message.limits.maxRecipients) break;
      continue;
    }
    if (recipients.length && t) lines.push(t);
  }
  close();
  if (!recipients.length) return null;
  return { decodedBy: 'qmail', recipients };
}

export default Object.freeze({ id: 'qmail', decode }) satisfies Dialect;
