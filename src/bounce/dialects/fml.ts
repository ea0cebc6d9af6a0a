/**
 * fml (a Japanese mailing-list manager) refusals sent by "<list>-admin@": the list did not take the post.
 * The address in angle brackets is the list's own; Sisimai reports it as the recipient, and so do we.
 *
 *   You are not a member of this mailing list <list@example.org>.
 *   Duplicated Message-ID in <list@example.org>.
 *
 * Sentences after Sisimai's Lhost::FML (BSD-2-Clause, azumakuniyuki); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { collapse } from '../report-text.ts';
import type { Reason } from '../types.ts';

const END = /^\s*original mail as follows:?\s*$/im;

/** [lower-case fragment of the body, reason]. */
const BODY: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze([' header may cause mail loop', 'rejected'] as const),
  Object.freeze(['not member article from ', 'rejected'] as const),
  Object.freeze(['reject mail from ', 'rejected'] as const),
  Object.freeze(['reject spammers:', 'rejected'] as const),
  Object.freeze(['you are not a member of this mailing list', 'rejected'] as const),
  Object.freeze([' has detected a loop condition so that', 'systemerror'] as const),
  Object.freeze(['duplicated message-id', 'systemerror'] as const),
  Object.freeze(['loop back warning:', 'systemerror'] as const),
  Object.freeze(['security alert:', 'securityerror'] as const),
]);
/** [lower-case fragment of the Subject, reason], when the body says nothing known. */
const SUBJECT: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  Object.freeze([' are not member', 'rejected'] as const),
  Object.freeze(['not member article from ', 'rejected'] as const),
  Object.freeze(['reject mail ', 'rejected'] as const),
  Object.freeze(['spam mail from a spammer is rejected', 'rejected'] as const),
  Object.freeze(['fml system error message', 'systemerror'] as const),
  Object.freeze(['loop alert: ', 'systemerror'] as const),
  Object.freeze(['loop back warning: ', 'systemerror'] as const),
  Object.freeze(['warning: unix from loop', 'systemerror'] as const),
  Object.freeze(['security alert', 'securityerror'] as const),
]);

function decode(message: BounceMessage): Decoded | null {
  if (!(message.headers.get('x-mlserver') ?? '').toLowerCase().includes('fml')) return null;
  if (!message.from.includes('-admin@')) return null;
  const end = END.exec(message.text);
  const text = end ? message.text.slice(0, end.index) : message.text.slice(0, 8000);
  const recipients: RawRecipient[] = [];
  for (const line of text.split('\n')) {
    const p1 = line.indexOf('<');
    const p2 = line.lastIndexOf('>');
    if (p1 < 0 || p2 <= p1 || !line.slice(p1, p2).includes('@')) {
      const last = recipients[recipients.length - 1];
      if (last && line.trim()) last.diagnosticCode = `${last.diagnosticCode ?? ''} ${line.trim()}`;
      continue;
    }
    recipients.push({ address: line.slice(p1 + 1, p2).trim(), action: 'failed', diagnosticCode: line.trim() });
  }
  for (const r of recipients) {
    r.diagnosticCode = collapse(r.diagnosticCode ?? '') || null;
    const lower = (r.diagnosticCode ?? '').toLowerCase();
    const hint = BODY.find(([f]) => lower.includes(f))?.[1] ?? SUBJECT.find(([f]) => message.subject.includes(f))?.[1];
    if (hint) {
      r.hint = hint;
      r.hintFrom = 'dialect:fml';
    }
  }
  return recipients.length ? { decodedBy: 'fml', recipients } : null;
}

export default Object.freeze({ id: 'fml', decode }) satisfies Dialect;
