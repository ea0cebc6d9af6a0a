/**
 * Amazon SES notifications mailed as JSON (SES "email feedback forwarding" to an SNS e-mail subscription):
 * a Bounce, Complaint or Delivery object, bare or wrapped in an SNS envelope whose "Message" field holds it
 * as a string. Field names from the SES developer guide ("Contents of notifications for Amazon SES").
 * SES's ordinary DSN mails are plain RFC 3464 and need no dialect.
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';

/** A notification is small; anything bigger is not one (and is not worth a JSON.parse). */
const MAX_JSON_CHARS = 256 * 1024;

type Json = Record<string, unknown>;

function parseObject(text: string): Json | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start || end - start > MAX_JSON_CHARS) return null;
  const body = text.slice(start, end + 1);
  // Mailers fold long lines as "!\n " (sendmail's 990-character limit); undo that before parsing.
  for (const candidate of [body, body.replace(/!\n /g, '')]) {
    try {
      const v: unknown = JSON.parse(candidate);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
    } catch {
      // try the next candidate
    }
  }
  return null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function host(v: unknown): string | null {
  const s = str(v);
  return s ? s.replace(/^dsn;\s*/i, '').trim() || null : null;
}

function decode(message: BounceMessage): Decoded | null {
  if (!message.text.includes('"notificationType"') && !message.text.includes('\\"notificationType\\"')) return null;
  let n = parseObject(message.text);
  if (n && str(n.Type) === 'Notification' && str(n.Message)) n = parseObject(str(n.Message)!);
  if (!n) return null;
  const type = str(n.notificationType) ?? str(n.eventType);
  const recipients: RawRecipient[] = [];
  if (type === 'Bounce') {
    const b = obj(n.bounce);
    const temporary = str(b?.bounceType) === 'Transient';
    for (const r of list(b?.bouncedRecipients)) {
      const o = obj(r);
      const address = str(o?.emailAddress);
      if (!address) continue;
      const diagnostic = str(o?.diagnosticCode);
      recipients.push({
        address,
        action: str(o?.action) ?? (temporary ? 'delayed' : 'failed'),
        status: str(o?.status),
        diagnosticCode: diagnostic ? diagnostic.replace(/^smtp;\s*/i, '') : null,
        diagnosticType: diagnostic && /^smtp;/i.test(diagnostic) ? 'SMTP' : null,
        remoteMta: host(b?.remoteMtaIp) ?? null,
      });
    }
    return recipients.length ? { decodedBy: 'amazonses', recipients } : null;
  }
  if (type === 'Complaint') {
    const c = obj(n.complaint);
    for (const r of list(c?.complainedRecipients)) {
      const address = str(obj(r)?.emailAddress);
      if (!address) continue;
      recipients.push({ address, action: null, hint: 'feedback', hintFrom: 'dialect:amazonses', feedbackType: str(c?.complaintFeedbackType) ?? 'abuse' });
    }
    return recipients.length ? { decodedBy: 'amazonses', kind: 'feedback', recipients } : null;
  }
  if (type === 'Delivery') {
    const d = obj(n.delivery);
    const response = str(d?.smtpResponse);
    for (const r of list(d?.recipients)) {
      const address = str(r);
      if (!address) continue;
      recipients.push({ address, action: 'delivered', diagnosticCode: response, diagnosticType: 'SMTP', remoteMta: host(d?.reportingMTA) });
    }
    return recipients.length ? { decodedBy: 'amazonses', kind: 'delivered', recipients } : null;
  }
  return null;
}

export default Object.freeze({ id: 'amazonses', decode }) satisfies Dialect;
