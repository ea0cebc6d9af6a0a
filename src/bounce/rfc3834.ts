/**
 * RFC 3834 automatic responses (out-of-office, vacation). They are not bounces: the message arrived.
 * Many real auto-replies (Outlook, Exchange, German mail clients) send no Auto-Submitted header, so
 * the subject and a few vendor headers count too.
 */
import type { BounceMessage } from './message.ts';
import type { Decoded } from './record.ts';
import { firstAddress } from './smtp.ts';

/** Lower-case subject prefixes of automatic replies, with the client that writes them. */
const AUTOREPLY_SUBJECT_PREFIXES: readonly string[] = Object.freeze([
  'auto:', 'auto reply', 'auto-reply', 'autoreply', 'auto response', 'auto-response', 'autoresponse',
  'automatic reply', 'automatic response', 'automated reply', 'out of office', 'out of the office', 'ooo:', 'away from',
  'away until', 'vacation', 'on vacation',
  'automatische antwort', // Outlook/Exchange, German
  'abwesenheitsnotiz', // Outlook/Exchange, Thunderbird, German
  'abwesenheit', 'automatische rückantwort', 'autom. antwort', 'ich bin nicht im büro', 'ich bin abwesend', 'urlaubsbenachrichtigung',
  'réponse automatique', 'respuesta automática', 'risposta automatica', 'automatisch antwoord', 'afwezigheidsbericht',
  'odpowiedź automatyczna', 'automatické odpovědi', 'automatikus válasz',
]);

/** Subjects that are bounces even though an auto-reply header is present. */
const BOUNCE_SUBJECTS: readonly string[] = Object.freeze([
  'undeliver', 'unzustellbar', 'delivery status', 'delivery failure', 'returned mail', 'mail delivery failed',
  'failure notice', 'non remis', 'nicht zustellbar', 'delivery has failed', 'could not be delivered', 'warning:',
]);

const MAILER_DAEMONS: readonly string[] = Object.freeze(['mailer-daemon', 'postmaster@', 'mail delivery', 'maildelivery', 'mail-daemon']);

export function isAutoReply(message: BounceMessage): boolean {
  const h = message.headers;
  const subject = message.subject.trim();
  if (BOUNCE_SUBJECTS.some((s) => subject.includes(s))) return false;
  if (message.deliveryStatus.length || message.feedbackReports.length) return false;
  // Mailer daemons set Auto-Submitted on their bounces too (RFC 3464 §5); those are not auto-replies.
  const from = message.from;
  if (MAILER_DAEMONS.some((d) => from.includes(d))) return false;
  const auto = (h.get('auto-submitted') ?? '').toLowerCase();
  if (auto.startsWith('auto-replied')) return true;
  if (h.has('x-autoreply') || h.has('x-autorespond') || h.has('x-autoresponder')) return true;
  const precedence = (h.get('precedence') ?? '').toLowerCase();
  if (precedence === 'auto_reply') return true;
  const stripped = subject.replace(/^(re|aw|fw|fwd|wg)\s*:\s*/, '');
  if (AUTOREPLY_SUBJECT_PREFIXES.some((p) => stripped.startsWith(p))) return true;
  return false;
}

export function decodeRfc3834(message: BounceMessage): Decoded | null {
  if (!isAutoReply(message)) return null;
  const address = firstAddress(message.headers.get('from')) ?? firstAddress(message.headers.get('reply-to')) ?? firstAddress(message.headers.get('return-path'));
  if (!address) return null;
  return {
    decodedBy: 'rfc3834',
    kind: 'autoreply',
    recipients: [{ address, action: null, status: null, diagnosticCode: message.text.trim().slice(0, 2000) || null, hint: 'vacation', hintFrom: 'rfc3834' }],
  };
}
