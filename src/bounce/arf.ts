/** RFC 5965 Abuse Reporting Format: a complaint ("this is spam") from a mailbox provider's feedback loop. */
import type { BounceMessage } from './message.ts';
import type { Decoded } from './record.ts';
import { parseDeliveryStatus } from './rfc3464.ts';
import { firstAddress } from './smtp.ts';

export function isFeedbackReport(message: BounceMessage): boolean {
  if (message.feedbackReports.length) return true;
  const ct = (message.headers.get('content-type') ?? '').toLowerCase();
  return ct.includes('report-type=feedback-report') || ct.includes('report-type="feedback-report"');
}

/**
 * A one-click unsubscribe sent by a mail client on the guest's behalf (Apple Mail marks it
 * "X-Apple-Unsubscribe: true"): not an ARF report, but the same verdict, an opt-out by its sender.
 */
function decodeUnsubscribeRequest(message: BounceMessage): Decoded | null {
  if ((message.headers.get('x-apple-unsubscribe') ?? '').trim().toLowerCase() !== 'true') return null;
  const address = firstAddress(message.headers.get('from')) ?? firstAddress(message.headers.get('reply-to'));
  if (!address) return null;
  return {
    decodedBy: 'arf',
    kind: 'feedback',
    recipients: [{ address, action: null, status: null, diagnosticCode: message.text.trim().slice(0, 1000) || null, hint: 'feedback', hintFrom: 'arf:unsubscribe-request', feedbackType: 'opt-out' }],
  };
}

export function decodeArf(message: BounceMessage): Decoded | null {
  if (!isFeedbackReport(message)) return decodeUnsubscribeRequest(message);
  const report = message.feedbackReports[0] ?? '';
  const fields = parseDeliveryStatus(report);
  const all = new Map<string, string>(fields.perMessage);
  for (const g of fields.perRecipient) for (const [k, v] of g) if (!all.has(k)) all.set(k, v);
  const feedbackType = (all.get('feedback-type') ?? '').trim().toLowerCase() || 'abuse';
  // §3.5: Original-Rcpt-To names the complaining recipient; the enclosed original's To is the fallback.
  // The field may repeat, once per complaining recipient.
  const rcpts: string[] = [];
  for (const m of report.matchAll(/^(?:original-rcpt-to|removal-recipient):\s*(.+)$/gim)) {
    const a = firstAddress(m[1]);
    if (a && !rcpts.some((r) => r.toLowerCase() === a.toLowerCase())) rcpts.push(a);
  }
  if (!rcpts.length) {
    const to = firstAddress(message.original?.get('to'));
    if (to) rcpts.push(to);
  }
  if (!rcpts.length) {
    const inText = /^\s*(?:to|original-rcpt-to|removal-recipient):\s*(.+)$/im.exec(message.originalText ?? '');
    const a = firstAddress(inText?.[1]);
    if (a) rcpts.push(a);
  }
  const recipients = (rcpts.length ? rcpts : ['']).map((address) => ({
    address, action: null, status: null, diagnosticCode: null, hint: 'feedback' as const, hintFrom: 'arf', feedbackType,
  }));
  return { decodedBy: 'arf', kind: 'feedback', recipients };
}
