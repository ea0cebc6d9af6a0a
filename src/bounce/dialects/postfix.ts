/**
 * Postfix bounce(8) reports. The DSN part has the remote reply, but only the notification text says which
 * command it answered and, for Postfix's own verdicts, the whole sentence:
 *
 *   <guest@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1
 *       <guest@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)
 *
 * Also the postmaster notice "Postfix SMTP server: errors from …" whose body is an In:/Out: session
 * transcript, and "--- Delivery report unavailable ---" reports whose only recipient is the original's To:.
 * Layout learned from Sisimai's Lhost::Postfix (BSD-2-Clause, azumakuniyuki and the sisimai team) and
 * postfix/src/bounce/bounce_notify_util.c; the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { reportSection } from '../report-text.ts';
import { decodeRfc3464 } from '../rfc3464.ts';
import type { SmtpCommand } from '../smtp.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';

const UNDELIVERED_SUBJECT = 'undelivered mail returned to sender';
/** smtpd_chat.c: "Subject: %s SMTP server: errors from %s". */
const SESSION_SUBJECT = 'smtp server: errors from ';
/** bounce_notify_util.c and the default bounce templates. */
const BANNERS: readonly string[] = Object.freeze(['this is the postfix program', 'this is the mail system at host']);
const REPORT_UNAVAILABLE = '--- delivery report unavailable ---';

/** "<guest@example.net> (expanded from <alias@example.org>): text" after unfolding. */
const BLOCK_START = /^<([^<>]*@[^<>]*)>(?:\s*\(expanded from\s*<([^<>]*)>\))?:\s*(.*)$/i;
/** "... (in reply to RCPT TO command)". */
const IN_REPLY_TO = /\(in reply to ([a-z ]+?) command\)/i;
const COMMANDS: Readonly<Record<string, SmtpCommand>> = Object.freeze({
  'rcpt to': 'RCPT', 'mail from': 'MAIL', data: 'DATA', 'end of data': 'DATA', ehlo: 'EHLO', helo: 'HELO', starttls: 'STARTTLS', auth: 'AUTH',
});

interface Block {
  address: string;
  alias: string | null;
  /** Postfix's whole sentence, unfolded. */
  text: string;
  command: SmtpCommand;
}

function isPostfix(message: BounceMessage): 'report' | 'session' | null {
  if (message.subject.includes(SESSION_SUBJECT)) return 'session';
  if (message.subject.includes(UNDELIVERED_SUBJECT)) return 'report';
  if (message.deliveryStatus.some((d) => d.toLowerCase().includes('x-postfix-queue-id:'))) return 'report';
  const head = message.text.slice(0, 4000).toLowerCase();
  return BANNERS.some((b) => head.includes(b)) ? 'report' : null;
}

/** The recipient blocks of the notification text; continuation lines are indented (bounce_notify_util.c). */
function blocksOf(report: string): Block[] {
  const out: Block[] = [];
  let current: string | null = null;
  const close = (): void => {
    if (current === null) return;
    const m = BLOCK_START.exec(current);
    if (m) {
      const inReply = IN_REPLY_TO.exec(m[3]);
      let command = inReply ? COMMANDS[inReply[1].toLowerCase().replace(/\s+/g, ' ')] ?? null : findCommand(m[3]);
      // smtp_connect.c: "… refused to talk to me: 554 …" — the greeting itself was refused.
      if (!command && m[3].toLowerCase().includes('refused to talk to me')) command = 'CONN';
      out.push({ address: firstAddress(m[1]) ?? m[1], alias: m[2] ? firstAddress(m[2]) : null, text: m[3].trim(), command });
    }
    current = null;
  };
  for (const raw of report.split('\n').slice(0, 2000)) {
    const line = raw.replace(/\s+$/, '');
    if (!line) { close(); continue; }
    if (current !== null && /^\s/.test(line)) { current += ` ${line.trim()}`; continue; }
    close();
    if (line.startsWith('<') && line.includes('@')) current = line;
  }
  close();
  return out;
}

/** The remote reply inside Postfix's sentence: "host mx[ip] said: 550 … (in reply to …)" → "550 …". */
function remoteReply(text: string): string {
  const said = / said:\s*/i.exec(text);
  const reply = said ? text.slice(said.index + said[0].length) : text;
  return reply.replace(IN_REPLY_TO, '').trim();
}

function decodeReport(message: BounceMessage): Decoded | null {
  const report = reportSection(message.text);
  const blocks = blocksOf(report);
  const dsn = decodeRfc3464(message);
  let recipients: RawRecipient[] = dsn?.recipients ?? [];
  if (!recipients.length) {
    recipients = blocks.map((b) => ({
      address: b.address,
      action: 'failed',
      status: findStatus(b.text),
      replyCode: findReplyCode(remoteReply(b.text)),
      diagnosticCode: remoteReply(b.text) || null,
      diagnosticType: / said:/i.test(b.text) ? 'SMTP' : null,
      remoteMta: hostOf(b.text),
      command: b.command,
    }));
  }
  if (!recipients.length && report.toLowerCase().includes(REPORT_UNAVAILABLE)) {
    // bounce_notify_util.c: the bounce log was lost; the returned message's To: is all that is left.
    const to = firstAddress(message.original?.get('to'));
    if (to) recipients = [{ address: to, action: 'failed' }];
  }
  if (!recipients.length) return null;

  for (const r of recipients) {
    const key = r.address.toLowerCase();
    const block = blocks.find((b) => b.address.toLowerCase() === key || b.alias?.toLowerCase() === key)
      ?? (blocks.length === 1 && recipients.length === 1 ? blocks[0] : undefined);
    // Postfix writes its own verdicts as "X-Postfix; …"; they read like SMTP replies (Sisimai does the same).
    if (r.diagnosticType === 'X-POSTFIX') r.diagnosticType = 'SMTP';
    if (!block) continue;
    if (block.command) r.command = block.command;
    const diagnostic = (r.diagnosticCode ?? '').replace(/\s+/g, ' ').trim();
    if (!/[a-z]{3}/i.test(diagnostic)) r.diagnosticCode = remoteReply(block.text) || r.diagnosticCode;
    if (!r.status || r.status.endsWith('.0.0')) {
      const specific = findStatus(block.text);
      if (specific && !specific.endsWith('.0.0') && (!r.status || r.status[0] === specific[0])) r.status = specific;
    }
    // The reason rules read the whole sentence: it names the command and Postfix's own wording.
    if (!diagnostic || block.text.includes(diagnostic)) r.reasonText = block.text;
    if (!r.remoteMta) r.remoteMta = hostOf(block.text);
  }
  return { decodedBy: 'postfix', recipients };
}

function hostOf(text: string): string | null {
  const m = /\bhost\s+([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})\[/i.exec(text) ?? /\bconnect to\s+([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})\[/i.exec(text);
  return m ? m[1].toLowerCase() : null;
}

/** One step of the smtpd transcript: " In:  RCPT TO:<a@b>" or " Out: 451 4.3.0 Error: …", folded lines joined. */
interface Step { dir: 'in' | 'out'; text: string }

function stepsOf(text: string): Step[] {
  const out: Step[] = [];
  for (const raw of text.split('\n').slice(0, 2000)) {
    const m = /^\s*(In|Out):\s?(.*)$/.exec(raw);
    if (m) { out.push({ dir: m[1] === 'In' ? 'in' : 'out', text: m[2].trim() }); continue; }
    const last = out[out.length - 1];
    if (last && /^\s{2,}\S/.test(raw)) last.text += ` ${raw.trim()}`;
  }
  return out;
}

/** "Postfix SMTP server: errors from client": the error replies smtpd gave, with the command each answered. */
function decodeSession(message: BounceMessage): Decoded | null {
  const steps = stepsOf(message.text);
  if (!steps.length) return null;
  const recipients: RawRecipient[] = [];
  let command: SmtpCommand = null;
  for (const s of steps) {
    if (s.dir === 'in') {
      const verb = s.text.split(/[\s:]/)[0].toUpperCase();
      command = (['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'STARTTLS', 'AUTH'] as const).find((c) => c === verb) ?? command;
      if (verb === 'RCPT') {
        const address = firstAddress(s.text.replace(/^rcpt\s+to:\s*/i, '').split(/\s/)[0]);
        if (address) recipients.push({ address, command: 'RCPT' });
      }
      continue;
    }
    const reply = findReplyCode(s.text.slice(0, 4));
    if (!reply || (reply[0] !== '4' && reply[0] !== '5')) continue;
    // A refusal at RCPT is about that recipient; one after DATA is about every recipient still open.
    const targets = command === 'RCPT' ? recipients.slice(-1) : recipients.filter((r) => !r.diagnosticCode);
    for (const r of targets) {
      if (r.diagnosticCode) continue;
      r.diagnosticCode = s.text;
      r.replyCode = reply;
      r.status = findStatus(s.text);
      r.command = command;
      r.action = reply[0] === '4' ? 'delayed' : 'failed';
      r.diagnosticType = 'SMTP';
    }
  }
  const failed = recipients.filter((r) => r.diagnosticCode);
  return failed.length ? { decodedBy: 'postfix', recipients: failed } : null;
}

function decode(message: BounceMessage): Decoded | null {
  const kind = isPostfix(message);
  if (kind === 'session') return decodeSession(message);
  if (kind === 'report') return decodeReport(message);
  return null;
}

export default Object.freeze({ id: 'postfix', decode }) satisfies Dialect;
