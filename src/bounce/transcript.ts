/**
 * Sendmail-style SMTP session transcripts, shared by the sendmail and v5sendmail dialects:
 *
 *    ----- Transcript of session follows -----
 *   ... while talking to mx.example.net.:
 *   >>> RCPT To:<guest@example.net>
 *   <<< 550 5.1.1 <guest@example.net>... User unknown
 *   550 5.1.1 <guest@example.net>... User unknown
 *
 * `>>>` lines are what the reporting MTA sent, `<<<` lines the remote server's replies; a line
 * "NNN <address>... text" is the MTA's own verdict on one recipient. Layout learned from Sisimai's
 * Lhost::Sendmail and Lhost::V5sendmail (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { SmtpCommand } from './smtp.ts';

export interface TranscriptRecipient {
  address: string;
  /** The MTA's verdict text after "<address>... ". */
  verdict: string;
  /** Reply code at the start of the verdict line ("550 <a@b>... User unknown"), if any. */
  replyCode: string | null;
  /** Enhanced status on the verdict line ("550 5.1.1 <a@b>... User unknown"), if any. */
  status: string | null;
  /** Remote replies (4xx/5xx) seen since the previous recipient line. */
  replies: string[];
  /** The last command sent before those replies. */
  command: SmtpCommand;
  remoteMta: string | null;
}

export interface Transcript {
  recipients: TranscriptRecipient[];
  /** Every distinct 4xx/5xx remote reply, in order. */
  replies: string[];
  /** Command sent before the first 4xx/5xx reply; 'EHLO' when the server refused before any command. */
  command: SmtpCommand;
  remoteMta: string | null;
  /** Lines that are neither commands, replies nor recipient verdicts: "451 4.0.0 Operating system error", "Deferred: …". */
  notes: string[];
  /** "421 example.org (smtp)... Deferred: …": a reply code and text about a host rather than a recipient. */
  hostErrors: { replyCode: string; text: string }[];
}

const TRANSCRIPT_MARK = 'transcript of session follows';

const COMMANDS: ReadonlyMap<string, SmtpCommand> = new Map<string, SmtpCommand>([
  ['HELO', 'HELO'], ['EHLO', 'EHLO'], ['MAIL', 'MAIL'], ['RCPT', 'RCPT'], ['DATA', 'DATA'], ['STARTTLS', 'STARTTLS'], ['AUTH', 'AUTH'],
]);

/** "... while talking to mx.example.net.:" (V8) / "While talking to mx.example.net:" (V5). */
const TALKING_TO = /while talking to\s+\[?([A-Za-z0-9][A-Za-z0-9.\-:]*?)\]?\.?:?\s*$/i;
/** "550 5.1.1 <guest@example.net>... User unknown" or "<guest@example.net>... Deferred: …". */
const RECIPIENT_VERDICT = /^(?:([45]\d\d)\s+(?:([45]\.\d{1,3}\.\d{1,3})\s+)?)?<([^<>\s]+@[^<>\s]+)>\.{3}\s*(.*)$/;
/** "421 example.org (smtp)... Deferred: Connection timed out …". */
const HOST_ERROR = /^([45]\d\d)\s+\S+\s+\([a-z0-9\-]+\)\.{3}\s*(.*)$/i;

/** The transcript section of a report, or null when there is none. */
export function transcriptSection(text: string): string | null {
  const lower = text.toLowerCase();
  const at = lower.indexOf(TRANSCRIPT_MARK);
  if (at < 0) return null;
  const start = lower.indexOf('\n', at);
  if (start < 0) return '';
  // The section ends at the next "-----" banner (unsent message, original message, DSN part boundary).
  const rest = text.slice(start + 1);
  const end = /^\s*-{3,}|^\s*content-type:|^\s*reporting-mta:/im.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

export function parseTranscript(section: string): Transcript {
  const out: Transcript = { recipients: [], replies: [], command: null, remoteMta: null, notes: [], hostErrors: [] };
  let host: string | null = null;
  let lastCommand: SmtpCommand = null;
  let pendingReplies: string[] = [];
  let pendingCommand: SmtpCommand = null;
  let firstErrorSeen = false;
  let continued = false;
  let afterQuit = false;
  for (const raw of section.split('\n').slice(0, 400)) {
    const line = raw.replace(/\s+$/, '');
    if (!line.trim()) continue;
    const talking = TALKING_TO.exec(line);
    if (talking && line.length < 300) {
      host = talking[1].replace(/\.$/, '').toLowerCase();
      lastCommand = null;
      afterQuit = false;
      // Replies from an earlier host say nothing about the recipients named after this line.
      pendingReplies = [];
      pendingCommand = null;
      continue;
    }
    if (line.startsWith('>>>')) {
      const verb = line.slice(3).trim().split(/[\s:]/)[0].toUpperCase();
      lastCommand = COMMANDS.get(verb) ?? lastCommand;
      // Replies to QUIT or RSET ("421 … too many errors") are about the session, not a recipient.
      afterQuit = verb === 'QUIT' || verb === 'RSET';
      continue;
    }
    if (!line.startsWith('<<<')) continued = false;
    if (line.startsWith('<<<')) {
      const reply = line.slice(3).trim();
      if (!/^[45]\d\d/.test(reply) || afterQuit) {
        continued = false;
        continue;
      }
      // A refusal before any command: the greeting itself was refused.
      const command = lastCommand ?? 'EHLO';
      if (!firstErrorSeen) {
        firstErrorSeen = true;
        out.command = command;
        out.remoteMta = host;
      }
      if (continued) {
        // The next line of a multi-line reply ("550-5.7.1 …" then "550 5.7.1 …") belongs to the same reply.
        const whole = `${pendingReplies.pop() ?? ''} ${reply}`.trim();
        out.replies[out.replies.length - 1] = whole;
        pendingReplies.push(whole);
      } else {
        out.replies.push(reply);
        if (!pendingReplies.length) pendingCommand = command;
        pendingReplies.push(reply);
      }
      continued = /^[45]\d\d-/.test(reply);
      continue;
    }
    const verdict = RECIPIENT_VERDICT.exec(line.trim());
    if (verdict) {
      out.recipients.push({
        address: verdict[3],
        verdict: verdict[4],
        replyCode: verdict[1] ?? null,
        status: verdict[2] ?? null,
        replies: pendingReplies,
        command: pendingCommand,
        remoteMta: host,
      });
      pendingReplies = [];
      pendingCommand = null;
      continue;
    }
    const hostError = HOST_ERROR.exec(line.trim());
    if (hostError) {
      out.hostErrors.push({ replyCode: hostError[1], text: hostError[2] });
      continue;
    }
    out.notes.push(line.trim());
  }
  out.replies = [...new Set(out.replies)];
  return out;
}
