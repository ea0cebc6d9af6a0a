/** RFC 3464 delivery status notifications: the machine-readable message/delivery-status part. */
import type { BounceMessage } from './message.ts';
import type { Decoded, RawRecipient } from './record.ts';
import { contextOf } from './dialects/plaintext.ts';
import { remoteHostIn, reportSection } from './report-text.ts';
import { cleanAddress, findCommand, firstAddress } from './smtp.ts';

export type FieldMap = Map<string, string>;

/** Parse one delivery-status body into its per-message fields and per-recipient field groups (§2.2, §2.3). */
export function parseDeliveryStatus(text: string): { perMessage: FieldMap; perRecipient: FieldMap[] } {
  const groups: FieldMap[] = [];
  let current: FieldMap = new Map();
  let last: string | null = null;
  const close = (): void => {
    if (current.size) groups.push(current);
    current = new Map();
    last = null;
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\s+$/, '');
    if (!line.trim()) { close(); continue; }
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      current.set(last, `${current.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) { last = null; continue; }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z][a-z0-9\-]*$/.test(name)) { last = null; continue; }
    // A second Final-Recipient without a blank line in between starts a new recipient group.
    if ((name === 'final-recipient' || (name === 'original-recipient' && current.has('final-recipient'))) && current.has(name)) close();
    const value = line.slice(colon + 1).trim();
    if (!current.has(name)) current.set(name, value);
    last = name;
  }
  close();
  const perMessage: FieldMap = new Map();
  const perRecipient: FieldMap[] = [];
  for (const g of groups) {
    if (g.has('final-recipient') || g.has('original-recipient') || g.has('x-actual-recipient')) perRecipient.push(g);
    else for (const [k, v] of g) if (!perMessage.has(k)) perMessage.set(k, v);
  }
  return { perMessage, perRecipient };
}

/** "smtp; 550 5.1.1 text" → ["SMTP", "550 5.1.1 text"]. */
export function splitTyped(value: string | undefined): [string | null, string] {
  if (!value) return [null, ''];
  const semi = value.indexOf(';');
  if (semi > 0 && semi < 20 && /^[A-Za-z][A-Za-z0-9\-]*$/.test(value.slice(0, semi).trim())) {
    return [value.slice(0, semi).trim().toUpperCase(), value.slice(semi + 1).trim()];
  }
  return [null, value.trim()];
}

const ACTIONS = new Map([
  ['failed', 'failed'], ['failure', 'failed'], ['deliverable', 'delivered'], ['undeliverable', 'failed'], ['fail', 'failed'], ['delayed', 'delayed'], ['delivered', 'delivered'],
  ['relayed', 'relayed'], ['expanded', 'expanded'], ['expired', 'failed'], ['deferred', 'delayed'],
]);

export function normaliseAction(value: string | undefined | null): string | null {
  if (!value) return null;
  const v = value.trim().toLowerCase().split(/[\s(;]/)[0];
  return ACTIONS.get(v) ?? null;
}

export function recipientsFromFields(perMessage: FieldMap, perRecipient: FieldMap[]): RawRecipient[] {
  const out: RawRecipient[] = [];
  for (const g of perRecipient) {
    const final = splitTyped(g.get('final-recipient'))[1];
    const orig = splitTyped(g.get('original-recipient'))[1];
    const actual = splitTyped(g.get('x-actual-recipient'))[1];
    // "@relay.example.net:guest@server" (a source route, Sun/Oracle Messaging Server): the route's end is an
    // internal name; the Original-Recipient is the address the sender used.
    const routed = final.startsWith('@') && final.includes(':') && firstAddress(orig);
    let address = routed || (firstAddress(final) ?? firstAddress(actual) ?? firstAddress(orig));
    if (!address && final) address = cleanAddress(final);
    if (!address) continue;
    const [diagnosticType, diagnosticCode] = splitTyped(g.get('diagnostic-code'));
    const remote = splitTyped(g.get('remote-mta'))[1] || null;
    const status = (g.get('status') ?? '').match(/[245]\.\d{1,3}\.\d{1,3}/)?.[0] ?? null;
    out.push({
      address,
      action: normaliseAction(g.get('action')),
      status,
      diagnosticCode: diagnosticCode || null,
      diagnosticType,
      remoteMta: remote ? remote.replace(/^\[|\]$/g, '') : null,
      command: findCommand(diagnosticCode),
    });
  }
  void perMessage;
  return out;
}

export function decodeRfc3464(message: BounceMessage): Decoded | null {
  const recipients: RawRecipient[] = [];
  for (const body of message.deliveryStatus) {
    const { perMessage, perRecipient } = parseDeliveryStatus(body);
    recipients.push(...recipientsFromFields(perMessage, perRecipient));
    if (recipients.length) break;
  }
  if (!recipients.length) {
    // DSN fields pasted into a text part instead of a message/delivery-status part (Amazon WorkMail, many gateways).
    const text = reportSection(message.text, EMBEDDED_DSN_END);
    const lower = text.toLowerCase();
    const at = Math.max(lower.indexOf('final-recipient:'), -1);
    if (at >= 0) {
      const start = Math.max(0, lower.lastIndexOf('\n\n', at));
      const { perMessage, perRecipient } = parseDeliveryStatus(text.slice(start));
      // Pasted fields count only as a whole DSN group: a lone "Final-Recipient:" line in a person's text is no report.
      recipients.push(...recipientsFromFields(perMessage, perRecipient.filter((g) => g.has('action') || g.has('status'))));
    }
  }
  if (!recipients.length) return null;
  for (const r of recipients) enrichFromText(r, message.text);
  return { decodedBy: 'rfc3464', recipients };
}

const EMBEDDED_DSN_END: readonly string[] = Object.freeze(['content-type: message/rfc822', 'content-type: text/rfc822-headers', '------ this is a copy of the message', 'below is a copy of the original message']);

/** A DSN that leaves out the remote text (OpenSMTPD, some Exchange): the human-readable part usually has it. */
function enrichFromText(r: RawRecipient, text: string): void {
  const context = contextOf(text, r.address);
  if (!r.diagnosticCode && context && /[a-z]{3}/i.test(context)) {
    r.diagnosticCode = context;
    if (!r.command) r.command = findCommand(context);
  } else if (!r.command && context) {
    r.command = findCommand(context);
  }
  if (!r.remoteMta) r.remoteMta = remoteHostIn(context) ?? null;
}
