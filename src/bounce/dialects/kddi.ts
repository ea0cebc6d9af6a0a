/**
 * au one net (KDDI, dion.ne.jp) mail error notices: "From: no-reply@….dion.ne.jp", a Japanese preamble,
 * then the English lines
 *
 *   Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900
 *        Could not be delivered to: <guest@example.net>
 *        As their mailbox is full.
 *
 * The sender is a "no-reply" address, so the generic plain-text reader (which wants a mailer-daemon-like
 * sender) does not take it: this dialect recognises KDDI's own markers. Markers after Sisimai's Lhost::KDDI
 * (BSD-2-Clause, azumakuniyuki and the sisimai team); the code is Rebound's own.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect } from '../record.ts';
import { decodePlainText } from './plaintext.ts';

const FROM = /^no-reply@[a-z0-9.\-]*\.dion\.ne\.jp$/;
const MARKER = 'could not be delivered to:';

function isKddi(message: BounceMessage): boolean {
  const from = /[^\s<>]+@[^\s<>]+/.exec(message.from)?.[0] ?? '';
  if (FROM.test(from)) return true;
  if ((message.headers.get('reply-to') ?? '').toLowerCase().includes('no-reply@app.auone-net.jp')) return true;
  return message.headers.getAll('received').some((r) => /^\s*from\s+\S*\.auone-net\.jp\b/i.test(r));
}

function decode(message: BounceMessage): Decoded | null {
  if (!isKddi(message) || !message.lowerText.includes(MARKER)) return null;
  return decodePlainText(message, 'kddi', message.text, true);
}

export default Object.freeze({ id: 'kddi', decode }) satisfies Dialect;
