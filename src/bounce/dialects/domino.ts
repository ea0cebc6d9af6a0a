/**
 * HCL (IBM, Lotus) Domino "DELIVERY FAILURE" reports and the older Lotus Notes SMTP MTA notices:
 *
 *   Your message                           ------- Failure Reasons  --------
 *     Subject: Test                        User  not listed in public Name & Address Book
 *   was not delivered to:                  guest@example.net
 *     guest@example.net                    ------- Returned Message --------
 *   because:
 *     User guest (guest@example.net) not listed in Domino Directory
 *
 * Domino's own sentences (English and Spanish) after Sisimai's Lhost::Domino and Lhost::Notes (BSD-2-Clause, azumakuniyuki);
 * the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import { decodeRfc3464 } from '../rfc3464.ts';
import { findReplyCode, findStatus, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

/** [lower-case fragment, reason] — Domino's own verdicts (English, Spanish; Japanese after decoding). */
const VERDICTS: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze(['not listed in domino directory', 'userunknown'] as const),
  Object.freeze(['not listed in public name & address book', 'userunknown'] as const),
  Object.freeze(['no se encuentra en el directorio de domino', 'userunknown'] as const),
  Object.freeze(['cannot route mail to user', 'filtered'] as const),
  Object.freeze(['several matches found in domino directory', 'systemerror'] as const),
  Object.freeze(['maximum hop count exceeded', 'networkerror'] as const),
  Object.freeze(['message has exceeded maximum hop count', 'networkerror'] as const),
]);

function withHint(r: RawRecipient): RawRecipient {
  const lower = (r.reasonText ?? r.diagnosticCode ?? '').toLowerCase();
  const row = VERDICTS.find(([f]) => lower.includes(f));
  if (row) {
    r.hint = row[1];
    r.hintFrom = 'dialect:domino';
  }
  r.status ??= findStatus(r.diagnosticCode);
  r.replyCode ??= findReplyCode(r.diagnosticCode);
  return r;
}

/** "was not delivered to:\n  guest@example.net\nbecause:\n  text" (Domino). */
function dominoReport(text: string): RawRecipient[] {
  const at = text.search(/^\s*was not delivered to:\s*$/im);
  if (at < 0) return [];
  const lines = text.slice(at).split('\n').slice(1, 200);
  const addresses: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const t = lines[i].trim();
    if (/^because:?$/i.test(t)) break;
    const a = t ? firstAddress(t) : null;
    if (a) addresses.push(a);
  }
  const reason: string[] = [];
  for (i++; i < lines.length; i++) {
    const t = lines[i].trim();
    if (!t) {
      if (reason.length) break;
      continue;
    }
    reason.push(t);
  }
  const diagnostic = collapse(reason.join(' ')) || null;
  return addresses.map((address) => withHint({ address, action: 'failed', diagnosticCode: diagnostic }));
}

/** "------- Failure Reasons --------" then reason lines and address lines (Lotus Notes SMTP MTA). */
function notesReport(text: string): RawRecipient[] {
  const at = text.search(/^-+\s*failure reasons\s*-+\s*$/im);
  if (at < 0) return [];
  const out: RawRecipient[] = [];
  let reason: string[] = [];
  for (const line of text.slice(at).split('\n').slice(1, 200)) {
    const t = line.trim();
    if (/^-+\s*returned message\s*-+$/i.test(t)) break;
    if (!t) continue;
    const a = firstAddress(t);
    if (a && t.replace(/^<|>$/g, '') === a) {
      out.push(withHint({ address: a, action: 'failed', diagnosticCode: collapse(reason.join(' ')) || null }));
      reason = [];
    } else {
      reason.push(t);
    }
  }
  return out;
}

/** Domino also attaches a DSN: its fields win, the text's verdict gives the reason. */
function preferDsn(message: BounceMessage, found: RawRecipient[]): RawRecipient[] {
  const dsn = decodeRfc3464(message)?.recipients ?? [];
  if (!dsn.length) return found;
  const verdict = found[0]?.diagnosticCode ?? null;
  return dsn.map((r) => withHint({ ...r, diagnosticCode: r.diagnosticCode ?? verdict, reasonText: verdict }));
}

function decode(message: BounceMessage): Decoded | null {
  const subject = message.subject;
  if (subject.startsWith('delivery failure:') || subject.startsWith('delivery status notification')) {
    const found = dominoReport(message.text);
    if (found.length) return { decodedBy: 'domino', recipients: preferDsn(message, found) };
  }
  if (subject.startsWith('undeliverable message')) {
    const found = notesReport(message.text);
    if (found.length) return { decodedBy: 'domino', recipients: found };
  }
  return null;
}

export default Object.freeze({ id: 'domino', decode }) satisfies Dialect;
