/**
 * Verizon Wireless MMS/SMS gateways (vtext.com, vzwpix.com): a short "Error:" paragraph, then either the
 * original's headers ("Original Message:") or a summary whose "RCPT TO:" line names the recipient.
 *
 *   Error: Invalid user address
 *   Error message below:
 *   550 - Requested action not taken: no such user here
 *
 * Learned from Sisimai's Lhost::Verizon (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect } from '../record.ts';
import { collapse } from '../report-text.ts';
import { findReplyCode, firstAddress } from '../smtp.ts';
import type { Reason } from '../types.ts';

const BOUNDARIES = /^\s*(?:original message:|message details:)\s*$/im;

/** [lower-case fragment, reason] — the gateways' own sentences. */
const SENTENCES: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze(['requested action not taken: no such user here', 'userunknown'] as const),
  Object.freeze(['no valid recipients', 'userunknown'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  const from = message.from;
  if (!from.includes('post_master@vtext.com') && !/sysadmin@[a-z0-9.\-]*\.?vzwpix\.com/.test(from)) return null;
  const text = message.text;
  const boundary = BOUNDARIES.exec(text);
  const report = boundary ? text.slice(0, boundary.index) : text;
  const tail = boundary ? text.slice(boundary.index) : '';
  const at = report.search(/^error: /im);
  const diagnostic = collapse(at >= 0 ? report.slice(at) : report);
  const to = /^\s*(?:rcpt to|to):\s*(.+)$/im.exec(tail)?.[1] ?? message.original?.get('to') ?? null;
  const address = firstAddress(to);
  if (!address) return null;
  const lower = diagnostic.toLowerCase();
  const hint = SENTENCES.find(([f]) => lower.includes(f))?.[1] ?? null;
  return {
    decodedBy: 'verizon',
    recipients: [{
      address,
      action: 'failed',
      diagnosticCode: diagnostic || null,
      replyCode: findReplyCode(diagnostic),
      ...(hint ? { hint, hintFrom: 'dialect:verizon' } : {}),
    }],
  };
}

export default Object.freeze({ id: 'verizon', decode }) satisfies Dialect;
