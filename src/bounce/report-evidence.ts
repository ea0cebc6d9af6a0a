/**
 * Positive evidence that a message without a delivery-status part and in no known dialect is a delivery
 * report at all. The plain-text fallback reads addresses out of free text; without these checks every
 * ordinary mail that mentions an address (a guest's reply to the VERP Return-Path, a newsletter, random
 * bytes) would come out as a bounce. A report needs all three:
 *
 *   1. a reporting sender: a mailer-daemon/postmaster-like From, or null-sender-style headers
 *      (Return-Path: <>, X-Failed-Recipients, Auto-Submitted: auto-generated);
 *   2. report wording in the subject or the opening of the text ("Undeliverable", "Unzustellbar", …);
 *   3. per recipient: an SMTP reply or status code, or a failure phrase, next to the address
 *      (checked in dialects/plaintext.ts with `failureNear`).
 *
 * All phrase lists are lower-case data; add a language by adding rows.
 */
import type { BounceMessage } from './message.ts';
import { firstAddress } from './smtp.ts';

/** Fragments of a From/Sender header (lower-case) that name a mail system rather than a person. */
export const REPORT_SENDERS: readonly string[] = Object.freeze([
  'mailer-daemon', 'mailer_daemon', 'mailerdaemon', 'mail-daemon', 'maildaemon', 'postmaster', 'post_master', 'post-master',
  'mail delivery', 'mail deliver system', 'maildelivery', 'mail.delivery', 'mail-delivery', 'delivery subsystem', 'delivery system',
  'delivery-status', 'mail system', 'mail administrator', 'mailsystem', 'mail-router', 'smtp gateway', 'mail gateway',
  'e-mail-system', 'e-mail system', 'mailserver', 'mail server', 'mta-daemon', 'bounce@', 'bounces@',
]);

/** Subjects and opening sentences of delivery reports (lower-case fragments). English and German first. */
export const REPORT_WORDING: readonly string[] = Object.freeze([
  // English
  'undeliverable', 'undelivered', 'undeliverd', 'returned mail', 'returning message to sender', 'return to sender', 'returned to sender',
  'delivery status', 'delivery failure', 'delivery failed', 'delivery has failed', 'delivery problem', 'delivery error',
  'delivery notification', 'delivery report', 'failure notice', 'failure delivery', 'failed delivery', 'permanent delivery failure',
  'could not be delivered', "couldn't be delivered", 'cannot be delivered', "can't be delivered", 'was not delivered', 'were not delivered',
  'not been delivered', 'message not delivered', 'unable to deliver', 'non-delivery', 'nondelivery', 'non delivery',
  'mail delivery failed', 'mail system error', 'error sending your mail', 'trouble delivering', 'error delivering',
  'permanent error', 'permanent failure', 'fatal error', 'delivery delayed', 'delayed mail', 'delivery delay', 'has been delayed',
  'warning message only', 'this is a warning', 'could not send message', 'still being retried', 'will be retried', 'not yet been delivered',
  'rejected your message', 'message rejected', 'mail rejected',
  // German
  'unzustellbar', 'nicht zustellbar', 'zustellung fehlgeschlagen', 'zustellung ist fehlgeschlagen', 'nicht zugestellt', 'zustellungsfehler',
  'fehler bei der zustellung', 'zustellfehler', 'unzustellbare', 'zustellbenachrichtigung', 'zustellungsbenachrichtigung', 'übermittlungsfehler',
  'übermittlung fehlgeschlagen', 'konnte nicht zugestellt', 'konnte nicht übermittelt', 'nicht übermittelt', 'zustellung verzögert',
  'verzögerte zustellung', 'zustellung wurde verzögert', 'rückläufer', 'unbekannter empfänger',
  // French, Spanish, Italian, Dutch, Portuguese
  'non remis', 'non distribuable', 'échec de la remise', 'impossible de remettre', 'no se pudo entregar', 'no entregado', 'no se puede entregar',
  'non consegnat', 'mancata consegna', 'impossibile recapitare', 'onbestelbaar', 'niet afgeleverd', 'kan niet worden bezorgd', 'não entregue',
  // Japanese
  'エラー', '送信できません', '送信に失敗', '配信できません', '届きません', '不達',
]);

/** Delay warnings: the message is still queued and will be retried. */
export const DELAY_WORDING: readonly string[] = Object.freeze([
  'warning message only', 'this is a warning only', 'you do not need to resend', 'has been delayed', 'have been delayed', 'delivery delayed',
  'delivery delay', 'delayed mail', 'still being retried', 'will be retried', 'will continue to try', 'will keep trying', 'not yet been delivered',
  'still trying', 'message is delayed',
  'zustellung verzögert', 'verzögerte zustellung', 'wurde verzögert', 'sie müssen die nachricht nicht erneut senden', 'wird weiterhin versucht',
  'wird erneut versucht', 'noch nicht zugestellt',
  'distribution retardée', 'remise retardée',
]);

/** Words that make a report final, even when it also says something about retrying. */
const FINAL_WORDING: readonly string[] = Object.freeze([
  'permanent error', 'permanent failure', 'permanently', 'fatal error', 'has failed', 'delivery failed', 'could not be delivered',
  'were not delivered', 'was not delivered', 'undeliverable', 'giving up', 'gave up', 'unzustellbar', 'nicht zustellbar', 'fehlgeschlagen',
  'konnte nicht zugestellt',
]);

/** Failure phrases that tie an address to a delivery problem when no SMTP code stands next to it. */
export const FAILURE_PHRASES: readonly string[] = Object.freeze([
  // English
  'user unknown', 'unknown user', 'no such user', 'no such recipient', 'no such address', 'no such mailbox', 'no mailbox', 'mailbox unavailable',
  'mailbox not found', 'mailbox is full', 'mailbox full', 'mailbox is disabled', 'quota', 'does not exist', "doesn't exist", 'not exist',
  'address rejected', 'recipient rejected', 'rejected', 'refused', 'not found', 'invalid recipient', 'invalid address', 'invalid mailbox',
  'unknown recipient', 'unknown address', 'unknown mailbox', 'undeliverable', 'undelivered', 'could not be delivered', 'cannot be delivered',
  "can't be delivered", 'not delivered', 'delivery failed', 'delivery to the following', 'failed', 'failure', 'permanent error', 'fatal error',
  'unrouteable', 'unroutable', 'host not found', 'host unknown', 'unknown host', 'domain not found', 'timed out', 'time out', 'expired',
  'blocked', 'denied', 'disabled', 'inactive', 'suspended', 'not accepted', 'unavailable', 'over the limit', 'retry', 'giving up', 'gave up',
  'delayed', 'delay', 'error', 'spam', 'virus', 'too large', 'exceeds', 'loop', 'aborted', 'no mx',
  'not deliver', "couldn't deliver", 'following recipient', 'following address', "doesn't have", 'does not have',
  // German
  'unbekannt', 'existiert nicht', 'gibt es nicht', 'nicht zugestellt', 'unzustellbar', 'nicht zustellbar', 'fehlgeschlagen', 'abgelehnt',
  'zurückgewiesen', 'postfach voll', 'postfach ist voll', 'speicherplatz', 'ungültig', 'nicht gefunden', 'nicht erreichbar', 'verzögert',
  'fehler', 'gesperrt', 'deaktiviert', 'folgende empfänger', 'folgenden empfänger', 'folgende adresse', 'folgenden adresse',
  'konnte nicht', 'nicht möglich',
  // Japanese
  'エラー', '失敗', 'できません', '存在しません', '容量',
]);

/** An RFC 3463 status or an RFC 5321 reply code standing on its own. */
const SMTP_CODE = /(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?!\.?\d)|(?<![\w.\-\/:@])[245][0-5]\d(?=[\s\-]|$)/;

const NULL_RETURN_PATH = /^\s*<?\s*>?\s*$|^\s*<?\s*(?:mailer-daemon|postmaster)\b/i;

/** Condition 1: the message comes from a mail system, not from a person. */
export function hasReportingSender(message: BounceMessage): boolean {
  const h = message.headers;
  if (h.has('x-failed-recipients')) return true;
  for (const rp of h.getAll('return-path')) if (NULL_RETURN_PATH.test(rp)) return true;
  const auto = (h.get('auto-submitted') ?? '').trim().toLowerCase();
  if (auto.startsWith('auto-generated') || auto.startsWith('auto-notified')) return true;
  const senders = [message.from, (h.get('sender') ?? '').toLowerCase()];
  if (senders.some((s) => s && REPORT_SENDERS.some((f) => s.includes(f)))) return true;
  // "From: mailer-daemon" without a domain, or a bare role account as the address.
  const address = firstAddress(h.get('from'))?.toLowerCase() ?? '';
  const local = address.split('@')[0];
  return local === 'mailer-daemon' || local === 'postmaster' || local === 'mail-daemon';
}

/** How much of the report text is read for wording (the opening, not a quoted original further down). */
const OPENING_CHARS = 4000;

/** Condition 2: the subject or the opening of the report says it is about delivery. */
export function hasReportWording(message: BounceMessage, report: string): boolean {
  const subject = message.subject;
  if (REPORT_WORDING.some((w) => subject.includes(w))) return true;
  const opening = report.slice(0, OPENING_CHARS).toLowerCase();
  return REPORT_WORDING.some((w) => opening.includes(w));
}

/** Both message-level conditions. */
export function looksLikeReport(message: BounceMessage, report: string): boolean {
  return hasReportingSender(message) && hasReportWording(message, report);
}

/** A plain-text delay warning: delay wording and no word that makes the report final. */
export function isDelayWarning(message: BounceMessage, report: string): boolean {
  const text = `${message.subject}\n${report.slice(0, OPENING_CHARS).toLowerCase()}`;
  if (!DELAY_WORDING.some((w) => text.includes(w))) return false;
  return !FINAL_WORDING.some((w) => text.includes(w));
}

/** Condition 3 for one recipient: an SMTP code or a failure phrase in the text around the address. */
export function failureNear(text: string): boolean {
  if (SMTP_CODE.test(text)) return true;
  // Phrases count in the words only: "sales@spam.example" or "error.example.net" says nothing about a failure.
  const lower = text.toLowerCase().replace(ADDRESS_OR_HOST, ' ');
  return FAILURE_PHRASES.some((p) => lower.includes(p));
}

/** Addresses and dotted host names, removed before the phrase check. */
const ADDRESS_OR_HOST = /[^\s<>()\[\]"',;]*@[^\s<>()\[\]"',;]*|[a-z0-9\-]+(?:\.[a-z0-9\-]+)+/g;
