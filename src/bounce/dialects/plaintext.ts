/**
 * The last resort for reports in no known format: find the failed addresses in the human-readable text
 * and take the paragraph around each as its diagnostic. Every specific dialect runs before this one.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { addressesIn, collapse, isRoleAccount, remoteHostIn, reportSection, senderAddresses } from '../report-text.ts';
import { findCommand, findReplyCode, findStatus, firstAddress } from '../smtp.ts';

/** A line that is (almost) only an address: "  user@example.net", "<user@example.net>:", "user@example.net: reason". */
const LEADING_ADDRESS = /^\s*[<"(]?([^\s<>"()@]+@[A-Za-z0-9.\-\[\]:]+)[>")]?\s*(?::|\.\.\.|$|\s{2,}|\s+-|\s+on\s)/;

export function paragraphAfter(lines: string[], index: number, stop: (line: string) => boolean): string {
  const parts: string[] = [];
  for (let i = index + 1; i < lines.length && parts.length < 12; i++) {
    const l = lines[i];
    if (!l.trim()) {
      if (parts.length) break;
      continue;
    }
    if (stop(l)) break;
    parts.push(l.trim());
  }
  return parts.join(' ');
}

export function decodePlainText(message: BounceMessage, decodedBy: string, text = message.text): Decoded | null {
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
    seen.add(key);
    let diagnostic = '';
    if (c.line >= 0) {
      const line = lines[c.line];
      const at = line.indexOf(c.address);
      const rest = at >= 0 ? line.slice(at + c.address.length).replace(/^[>"')\s:.]+/, '') : '';
      diagnostic = collapse([rest, paragraphAfter(lines, c.line, isAddressLine)].join(' '));
    }
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

export default Object.freeze({
  id: 'plaintext',
  decode: (message: BounceMessage) => decodePlainText(message, 'plaintext'),
}) satisfies Dialect;
