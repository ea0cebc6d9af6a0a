/**
 * Sendmail (V8) "Returned mail: see transcript for details": a DSN whose Diagnostic-Code is often missing,
 * a bare exit status ("255") or a summary, while the SMTP session transcript in the text part carries the
 * remote server's real reply and the command it answered. Also reads such a report when it was forwarded
 * with "> " quoting, and reports without a DSN part that list "The following addresses had permanent fatal
 * errors". Layout learned from Sisimai's Lhost::Sendmail (BSD-2-Clause, azumakuniyuki).
 */
import type { BounceMessage } from '../message.ts';
import type { Decoded, Dialect, RawRecipient } from '../record.ts';
import { parseDeliveryStatus, recipientsFromFields } from '../rfc3464.ts';
import { findCommand, findStatus, firstAddress } from '../smtp.ts';
import type { Transcript } from '../transcript.ts';
import { parseTranscript, transcriptSection } from '../transcript.ts';

/** Sendmail's own section banners (savemail.c). */
const FATAL_ERRORS = '----- the following addresses had permanent fatal errors -----';
const TEMPORARY_ERRORS = '----- the following addresses had transient non-fatal errors -----';

function isSendmail(message: BounceMessage, lowerText: string): boolean {
  if (lowerText.includes('transcript of session follows')) return true;
  if (lowerText.includes(FATAL_ERRORS) || lowerText.includes(TEMPORARY_ERRORS)) return true;
  return false;
}

/** A report forwarded by a person: "> " before every line of the original report. */
function unquote(text: string): string {
  const at = text.toLowerCase().indexOf('transcript of session follows');
  const lineStart = text.lastIndexOf('\n', at) + 1;
  if (at < 0 || text[lineStart] !== '>') return text;
  return text.slice(lineStart).split('\n').map((l) => l.replace(/^> ?/, '')).join('\n');
}

/** "<guest@example.net>\n    (reason: 550 5.1.1 User unknown)" under the fatal/transient errors banner. */
function listedRecipients(text: string): { address: string; reason: string | null; delayed: boolean }[] {
  const out: { address: string; reason: string | null; delayed: boolean }[] = [];
  const lower = text.toLowerCase();
  for (const [banner, delayed] of [[FATAL_ERRORS, false], [TEMPORARY_ERRORS, true]] as const) {
    const at = lower.indexOf(banner);
    if (at < 0) continue;
    const lines = text.slice(at + banner.length).split('\n').slice(1, 200);
    for (const line of lines) {
      const t = line.trim();
      if (!t) {
        if (out.length) break;
        continue;
      }
      if (t.startsWith('-----')) break;
      const reason = /^\(reason:\s*(.*?)\)?$/i.exec(t);
      if (reason && out.length) {
        out[out.length - 1].reason = reason[1];
        continue;
      }
      const address = firstAddress(t);
      if (address && (t.startsWith('<') || t.startsWith(address))) out.push({ address, reason: null, delayed });
    }
  }
  return out;
}

function dsnRecipients(message: BounceMessage, text: string): RawRecipient[] {
  for (const body of message.deliveryStatus) {
    const { perMessage, perRecipient } = parseDeliveryStatus(body);
    const found = recipientsFromFields(perMessage, perRecipient);
    if (found.length) return found;
  }
  const at = text.toLowerCase().indexOf('final-recipient:');
  if (at < 0) return [];
  const from = text.toLowerCase().lastIndexOf('reporting-mta:', at);
  const { perMessage, perRecipient } = parseDeliveryStatus(text.slice(from >= 0 ? from : at));
  return recipientsFromFields(perMessage, perRecipient);
}

/** A Diagnostic-Code that says nothing a person can read: empty, or a bare exit status ("255", "71"). */
function isUninformative(diagnostic: string | null | undefined): boolean {
  return !diagnostic || !/[a-z]{3}/i.test(diagnostic);
}

/** The MTA's own summary lines: "554 5.3.0 unknown mailer error 255", "Warning: message still undelivered …". */
function summaryOf(t: Transcript): string {
  return t.notes.filter((n) => /^[45]\d\d\s+[45]\.\d{1,3}\.\d{1,3}\s/.test(n) || /^(?:warning|message):?\s/i.test(n)).join(' ');
}

function enrich(r: RawRecipient, t: Transcript | null, listed: string | null): void {
  const own = t?.recipients.find((x) => x.address.toLowerCase() === r.address.toLowerCase())
    ?? (t?.recipients.length === 1 && r.address.startsWith('@') ? t.recipients[0] : undefined);
  if (r.address.startsWith('@')) {
    // "Final-Recipient: RFC822; @mx.example.org": sendmail lost the local part; the verdict line has it.
    const address = own?.address ?? firstAddress(r.diagnosticCode) ?? firstAddress(listed);
    if (address) r.address = address;
  }
  const replies = own?.replies.length ? own.replies : t?.replies ?? [];
  const joined = replies.join(' ').replace(/\s+/g, ' ');
  // A multi-line reply ("550-5.7.1 … / 550 5.7.1 …") of which the DSN kept only the first line.
  if (r.diagnosticCode && joined.length > r.diagnosticCode.length && joined.startsWith(r.diagnosticCode.replace(/\s+/g, ' ').trim())) r.diagnosticCode = joined;
  if (isUninformative(r.diagnosticCode)) {
    const candidates = [
      joined,
      listed ?? '',
      own ? [own.replyCode, own.status, own.verdict].filter(Boolean).join(' ') : '',
      t ? summaryOf(t) : '',
      t?.hostErrors.map((h) => `${h.replyCode} ${h.text}`).join(' ') ?? '',
    ];
    const text = candidates.find((c) => /[a-z]{3}/i.test(c));
    if (text) r.diagnosticCode = text;
  }
  if (!r.status || !/^[245]\.\d{1,3}\.\d{1,3}$/.test(r.status)) r.status = own?.status ?? findStatus(t ? summaryOf(t) : null) ?? r.status ?? null;
  r.command = own?.command ?? t?.command ?? r.command ?? findCommand(r.diagnosticCode);
  if (!r.remoteMta) r.remoteMta = own?.remoteMta ?? t?.remoteMta ?? null;
}

function decode(message: BounceMessage): Decoded | null {
  const lowerText = message.text.toLowerCase();
  if (!isSendmail(message, lowerText)) return null;
  const text = unquote(message.text);
  const section = transcriptSection(text);
  const transcript = section === null ? null : parseTranscript(section);
  const listed = listedRecipients(text);
  let recipients = dsnRecipients(message, text);
  if (!recipients.length) {
    // No DSN part: the banner list is the recipient list (V5-style transcripts are v5sendmail's).
    recipients = listed.map((l) => ({ address: l.address, action: l.delayed ? 'delayed' : 'failed', diagnosticCode: l.reason }));
  }
  if (!recipients.length) return null;
  for (const r of recipients) {
    const reason = listed.find((l) => l.address.toLowerCase() === r.address.toLowerCase())?.reason ?? (listed.length === 1 ? listed[0].reason : null);
    enrich(r, transcript, reason);
  }
  return { decodedBy: 'sendmail', recipients };
}

export default Object.freeze({ id: 'sendmail', decode }) satisfies Dialect;
