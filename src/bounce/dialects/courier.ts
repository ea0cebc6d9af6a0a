/**
 * Courier MTA delivery status notifications ("This is a delivery status notification from …, running the
 * Courier mail server"). The DSN is standard, but Courier's own verdicts come as "Diagnostic-Code: unknown;
 * No such domain." — not an SMTP reply — so its sentences are mapped here. Learned from Sisimai's
 * Lhost::Courier (BSD-2-Clause, azumakuniyuki) and courier/module.esmtp; the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect } from '../record.ts';
import { decodeRfc3464 } from '../rfc3464.ts';
import type { Reason } from '../types.ts';

const BANNER = 'running the courier mail server';

/** [lower-case sentence, reason] — Courier's own verdicts (courier/module.esmtp, courier/libs). */
const OWN_VERDICTS: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze(['no such domain', 'hostunknown'] as const),
  Object.freeze(['temporary lookup failure', 'networkerror'] as const),
  Object.freeze(['dns lookup failed', 'hostunknown'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  const head = message.text.slice(0, 2000).toLowerCase();
  if (!head.includes(BANNER) && !message.subject.startsWith('notice: mail delivery status')) return null;
  const dsn = decodeRfc3464(message);
  if (!dsn) return null;
  for (const r of dsn.recipients) {
    if (r.diagnosticType === 'SMTP') continue;
    const lower = (r.diagnosticCode ?? '').toLowerCase();
    const hint = OWN_VERDICTS.find(([f]) => lower.includes(f))?.[1];
    if (hint) {
      r.hint = hint;
      r.hintFrom = 'dialect:courier';
    }
  }
  return { ...dsn, decodedBy: 'courier' };
}

export default Object.freeze({ id: 'courier', decode }) satisfies Dialect;
