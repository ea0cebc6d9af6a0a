/**
 * Sendmail version 5 and appliances built on it: "Returned mail: …" with a session transcript and no DSN part.
 * Each failed recipient has a verdict line "554 <guest@example.net>... Remote protocol error" after the remote
 * replies ("<<< 550 …") it is about; the returned original follows "----- Unsent message follows -----".
 * Layout learned from Sisimai's Lhost::V5sendmail (BSD-2-Clause, azumakuniyuki).
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { findCommand, findReplyCode, firstAddress } from '../smtp.ts';
import { parseTranscript, transcriptSection } from '../transcript.ts';

const UNSENT_MESSAGE = /^\s*-{3,}\s*(?:unsent message follows|no message was collected)\s*-{3,}/im;

/** The To: of the returned original, for a transcript that names no recipient. */
function originalTo(message: BounceMessage): string | null {
  const header = message.original?.get('to');
  if (header) return firstAddress(header);
  const unsent = UNSENT_MESSAGE.exec(message.text);
  if (!unsent) return null;
  const headers = message.text.slice(unsent.index).split(/\n\s*\n/)[0].split('\n').slice(1);
  const to = headers.find((h) => /^to:/i.test(h));
  return to ? firstAddress(to.slice(3)) : null;
}

function decode(message: BounceMessage): Decoded | null {
  if (!message.subject.startsWith('returned mail:')) return null;
  if (message.deliveryStatus.length || !UNSENT_MESSAGE.test(message.text)) return null;
  const section = transcriptSection(message.text);
  if (section === null) return null;
  const t = parseTranscript(section);
  const recipients: RawRecipient[] = t.recipients.map((own) => {
    const remote = own.replies.join(' ');
    const diagnostic = remote ? `${own.verdict}: ${remote}` : own.verdict;
    return {
      address: own.address,
      action: 'failed',
      status: own.status,
      replyCode: findReplyCode(remote) ?? own.replyCode,
      diagnosticCode: diagnostic,
      command: own.command ?? findCommand(diagnostic),
      remoteMta: own.remoteMta,
    };
  });
  if (!recipients.length) {
    // "421 example.org (smtp)... Deferred: Connection timed out …" and nothing else: the message's own To:.
    const address = originalTo(message);
    const hostError = t.hostErrors[0];
    if (!address || !hostError) return null;
    recipients.push({ address, action: 'failed', replyCode: hostError.replyCode, diagnosticCode: hostError.text, command: t.command });
  }
  return { decodedBy: 'v5sendmail', recipients };
}

export default Object.freeze({ id: 'v5sendmail', decode }) satisfies Dialect;
