/**
 * 1&1 / IONOS (kundenserver.de) mail delivery reports:
 *
 *   This message was created automatically by mail delivery software.
 *   … The following address(es) failed:
 *
 *   guest@example.net:
 *   SMTP error from remote server for TEXT command, host: mx.example.net (192.0.2.1) reason: 550 5.2.0 …
 *
 * or, from older systems, "guest@example.net" then "For the following reason:" and 1&1's own sentence.
 * The returned original's headers follow "--- The header of the original message is following. ---".
 * Layout after Sisimai's Lhost::EinsUndEins (BSD-2-Clause, azumakuniyuki and the sisimai development team);
 * the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findCommand, findStatus, firstAddress } from '../smtp.ts';

const OPENING = 'this message was created automatically by mail delivery software';
const ORIGINAL = '--- the header of the original message is following. ---';
const REASON_LINE = 'for the following reason:';
/** "guest@example.net:" or a line holding only the address. */
const ADDRESS_LINE = /^\s*<?([^\s<>:]+@[^\s<>:]+\.[^\s<>:]+)>?:?\s*$/;
/** "… host: mx.example.net (192.0.2.1) reason: 550 …": the remote host and its reply. */
const HOST_REASON = /host:\s*([a-z0-9][a-z0-9.\-]*[a-z0-9])\s*(?:\([^)]*\))?\s*reason:\s*(.+)$/i;

function isEinsUndEins(message: BounceMessage): boolean {
  if (!message.from.includes('mail delivery system')) return false;
  if (!message.subject.startsWith('mail delivery failed: returning message to sender')) return false;
  // The same subject is Exim's; 1&1's own marker line tells them apart.
  return message.text.toLowerCase().includes(ORIGINAL);
}

function decode(message: BounceMessage): Decoded | null {
  if (!isEinsUndEins(message)) return null;
  const lower = message.text.toLowerCase();
  const start = lower.indexOf(OPENING);
  if (start < 0) return null;
  const end = lower.indexOf(ORIGINAL, start);
  const report = message.text.slice(start, end < 0 ? undefined : end);

  const blocks: { address: string; lines: string[] }[] = [];
  for (const line of report.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const m = ADDRESS_LINE.exec(line);
    const address = m ? firstAddress(m[1]) : null;
    if (address) blocks.push({ address, lines: [] });
    else if (blocks.length && !line.trim().toLowerCase().startsWith(REASON_LINE)) blocks[blocks.length - 1].lines.push(line.trim());
  }
  if (!blocks.length) return null;

  const recipients: RawRecipient[] = blocks.map(({ address, lines }) => {
    const text = collapse(lines.join(' '));
    const hostReason = HOST_REASON.exec(text);
    const diagnostic = hostReason ? hostReason[2].trim() : text;
    const r: RawRecipient = {
      address,
      action: 'failed',
      status: findStatus(diagnostic),
      diagnosticCode: diagnostic || null,
      remoteMta: hostReason ? hostReason[1].toLowerCase() : null,
      // "for TEXT command" is 1&1's name for the reply after the message data.
      command: /for text command/i.test(text) ? 'DATA' : findCommand(text),
    };
    if (/mail size limit exceeded/i.test(text)) {
      r.hint = 'mesgtoobig';
      r.hintFrom = 'dialect:einsundeins';
    }
    return r;
  });
  return { decodedBy: 'einsundeins', recipients };
}

export default Object.freeze({ id: 'einsundeins', decode }) satisfies Dialect;
