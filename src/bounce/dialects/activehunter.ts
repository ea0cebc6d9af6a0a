/**
 * TransWARE Active!hunter (a Japanese mail filter gateway) "FAILURE NOTICE": sendmail's banners, but the
 * recipient line starts with ">>>" and the transcript holds only the remote reply:
 *
 *     ----- The following addresses had permanent fatal errors -----
 *   >>> guest@example.net <guest@example.net>
 *     ----- Transcript of session follows -----
 *   550 sorry, no mailbox here by that name (#5.1.1 - chkusr)
 *
 * Learned from Sisimai's Lhost::Activehunter (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';

const FATAL = /^\s*-+\s*the following addresses had permanent fatal errors\s*-+\s*$/im;
const TRANSCRIPT = /^\s*-+\s*transcript of session follows\s*-+\s*$/im;

function decode(message: BounceMessage): Decoded | null {
  const known = message.headers.get('x-ahmailid') !== null || message.subject.startsWith('failure notice :');
  if (!known) return null;
  // Not reportSection(): it ends the report at sendmail's fatal-errors banner, which is where this one starts.
  const text = message.text;
  const fatal = FATAL.exec(text);
  if (!fatal) return null;
  const transcript = TRANSCRIPT.exec(text);
  const listEnd = transcript && transcript.index > fatal.index ? transcript.index : text.length;
  const recipients: RawRecipient[] = [];
  for (const line of text.slice(fatal.index + fatal[0].length, listEnd).split('\n')) {
    const m = /^\s*>>>\s*(\S+)/.exec(line);
    const a = m ? firstAddress(line.slice(line.lastIndexOf('<') >= 0 ? line.lastIndexOf('<') : 0)) ?? firstAddress(m[1]) : null;
    if (a) recipients.push({ address: a, action: 'failed' });
  }
  if (!recipients.length) return null;
  const diagnostic = transcript && transcript.index > fatal.index ? collapse(text.slice(transcript.index + transcript[0].length)) || null : null;
  for (const r of recipients) {
    r.diagnosticCode = diagnostic;
    r.replyCode = findReplyCode(diagnostic);
    r.status = findStatus(diagnostic);
    r.command = findCommand(diagnostic);
  }
  return { decodedBy: 'activehunter', recipients };
}

export default Object.freeze({ id: 'activehunter', decode }) satisfies Dialect;
