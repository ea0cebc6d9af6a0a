/**
 * Trend Micro InterScan Messaging Security Suite (now "Trend Vision One Email Security") notices:
 *
 *   ****** Message from InterScan Messaging Security Suite ******
 *   Sent <<< RCPT TO:<guest@example.net>
 *   Received >>> 550 5.1.1 <guest@example.net>... user unknown
 *
 * or only "Unable to deliver message to <guest@example.net> (and other recipients in the same domain)."
 * Learned from Sisimai's Lhost::InterScanMSS / TrendMicro (BSD-2-Clause, azumakuniyuki); code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { reportSection } from '../report-text.ts';
import { findCommand, firstAddress } from '../smtp.ts';

const UNABLE = 'unable to deliver ';

function decode(message: BounceMessage): Decoded | null {
  const from = message.headers.get('from') ?? '';
  const contentType = message.headers.get('content-type') ?? '';
  if (!from.includes('"InterScan') && !from.includes('InterScan ') && !contentType.includes('InterScan')) {
    if (!message.text.slice(0, 4000).includes(' InterScan ')) return null;
  }
  const recipients: RawRecipient[] = [];
  let current: RawRecipient | null = null;
  for (const raw of reportSection(message.text).split('\n').slice(0, 500)) {
    const line = raw.trim();
    if (!line) continue;
    const sent = line.indexOf(' <<< ');
    const received = line.indexOf(' >>> ');
    const lower = line.toLowerCase();
    if (line.includes('@') && (sent > 0 || received > 0 || lower.includes(UNABLE))) {
      const address = firstAddress(line.slice(line.lastIndexOf('<')));
      if (address) {
        if (!current || current.address.toLowerCase() !== address.toLowerCase()) {
          current = { address, action: 'failed' };
          recipients.push(current);
        }
        if (lower.includes(UNABLE)) {
          current.diagnosticCode = line.replace(/^reason:\s*/i, '');
          // The suite only says this when the recipient's server refused the address itself.
          current.hint = 'userunknown';
          current.hintFrom = 'dialect:trendmicro';
        }
      }
    }
    if (!current) continue;
    if (lower.startsWith('sent <<< ')) current.command = findCommand(line);
    else if (lower.startsWith('received >>> ')) {
      current.diagnosticCode = line.slice(13).trim();
      current.hint = null;
    }
  }
  return recipients.length ? { decodedBy: 'trendmicro', recipients } : null;
}

export default Object.freeze({ id: 'trendmicro', decode }) satisfies Dialect;
