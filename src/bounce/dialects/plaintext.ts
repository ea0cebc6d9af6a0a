/**
 * The last resort for reports in no known format: find the failed addresses in the human-readable text
 * and take the paragraph around each as its diagnostic. Every specific dialect runs before this one.
 *
 * Only with positive evidence (report-evidence.ts): a mail-system sender, report wording, and for each
 * address an SMTP code or failure phrase next to it. An ordinary mail that merely mentions an address is
 * not a report and stays 'unknown'. A plain-text delay warning gives action 'delayed'.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { failureNear, isDelayWarning, looksLikeReport } from '../report-evidence.ts';
import { addressesIn, collapse, isRoleAccount, remoteHostIn, reportSection, senderAddresses } from '../report-text.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';

/** A line that is (almost) only an address: "  user@example.net", "<user@example.net>:", "user@example.net: reason". */
const LEADING_ADDRESS = /^\s*[<"(]?([^\s<>"()@]+@[A-Za-z0-9.\-\[\]:]+)[>")]?\s*(?::|\.\.\.|$|\s{2,}|\s+-|\s+on\s)/;

const HAS_CODE = /(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?!\.?\d)|(?:^|\s)[245]\d\d[\s\-]/;

/**
 * The text after an address line: its paragraph, and further paragraphs while none of them has carried an
 * SMTP code yet (reports often put "The error that the other server returned was:" one paragraph down).
 */
export function paragraphAfter(lines: string[], index: number, stop: (line: string) => boolean, maxParagraphs = 4): string {
  const parts: string[] = [];
  let paragraphs = 0;
  let inParagraph = false;
  for (let i = index + 1; i < lines.length && parts.length < 24; i++) {
    const l = lines[i];
    if (!l.trim()) {
      if (inParagraph) {
        paragraphs++;
        inParagraph = false;
        if (paragraphs >= maxParagraphs || HAS_CODE.test(parts.join(' '))) break;
      }
      continue;
    }
    if (stop(l)) break;
    inParagraph = true;
    parts.push(l.trim());
  }
  return parts.join(' ');
}

/** Where the report talks about `address`: the text after its first line-leading mention. */
export function contextOf(text: string, address: string): string {
  const report = reportSection(text);
  const lines = report.split('\n');
  const lower = address.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].toLowerCase();
    const at = l.indexOf(lower);
    if (at < 0) continue;
    const rest = lines[i].slice(at + address.length).replace(/^[>"')\s:.]+/, '');
    return collapse([rest, paragraphAfter(lines, i, (x) => LEADING_ADDRESS.test(x) && !x.toLowerCase().includes(lower))].join(' '));
  }
  return '';
}

/** Lines before an address line read for a failure phrase ("Delivery to the following recipients failed:"). */
const LINES_BEFORE = 4;

/**
 * `requireEvidence`: keep only addresses with an SMTP code or a failure phrase next to them (the lines just
 * before, the address line, the paragraph after) or named in X-Failed-Recipients.
 */
export function decodePlainText(message: BounceMessage, decodedBy: string, text = message.text, requireEvidence = false): Decoded | null {
  const report = reportSection(text);
  const lines = report.split('\n');
  const senders = senderAddresses(message);
  const failedHeader = message.headers.getAll('x-failed-recipients').flatMap((v) => addressesIn(v));

  const leading: { address: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = LEADING_ADDRESS.exec(lines[i]);
    if (!m) continue;
    const a = firstAddress(m[1]);
    if (!a || senders.has(a.toLowerCase()) || isRoleAccount(a)) continue;
    leading.push({ address: a, line: i });
  }
  let chosen = leading;
  if (failedHeader.length) {
    chosen = failedHeader.map((a) => leading.find((l) => l.address.toLowerCase() === a.toLowerCase()) ?? { address: a, line: -1 });
  }
  if (!chosen.length) {
    for (let i = 0; i < lines.length; i++) {
      for (const a of addressesIn(lines[i])) {
        if (senders.has(a.toLowerCase()) || isRoleAccount(a)) continue;
        chosen.push({ address: a, line: i });
      }
    }
  }
  const seen = new Set<string>();
  const recipients: RawRecipient[] = [];
  const isAddressLine = (l: string): boolean => LEADING_ADDRESS.test(l);
  for (const c of chosen) {
    const key = c.address.toLowerCase();
    if (seen.has(key)) continue;
    let diagnostic = '';
    if (c.line >= 0) {
      const line = lines[c.line];
      const at = line.indexOf(c.address);
      const rest = at >= 0 ? line.slice(at + c.address.length).replace(/^[>"')\s:.]+/, '') : '';
      diagnostic = collapse([rest, paragraphAfter(lines, c.line, isAddressLine)].join(' '));
      // Addresses named in X-Failed-Recipients need no more evidence; every other one does.
      if (requireEvidence && !failedHeader.length) {
        const before = lines.slice(Math.max(0, c.line - LINES_BEFORE), c.line).join(' ');
        const own = at >= 0 ? line.slice(0, at) : line;
        if (!failureNear(`${before} ${own} ${diagnostic}`)) continue;
      }
    }
    seen.add(key);
    if (!/[a-z]{3}/i.test(diagnostic)) diagnostic = collapse(report).slice(0, 1000);
    recipients.push({
      address: c.address,
      action: 'failed',
      status: findStatus(diagnostic),
      replyCode: findReplyCode(diagnostic),
      diagnosticCode: diagnostic || null,
      remoteMta: remoteHostIn(diagnostic),
      command: findCommand(diagnostic),
    });
    if (recipients.length >= message.limits.maxRecipients) break;
  }
  if (!recipients.length) return null;
  return { decodedBy, recipients };
}

function decode(message: BounceMessage): Decoded | null {
  const report = reportSection(message.text);
  if (!looksLikeReport(message, report)) return null;
  const decoded = decodePlainText(message, 'plaintext', message.text, true);
  if (!decoded) return null;
  if (isDelayWarning(message, report)) {
    // Still queued, to be retried: a delay, not a failure (a 5xx / 5.x.x code next to an address stays final).
    for (const r of decoded.recipients) if (r.status?.[0] !== '5' && r.replyCode?.[0] !== '5') r.action = 'delayed';
  }
  return decoded;
}

export default Object.freeze({ id: 'plaintext', decode }) satisfies Dialect;
