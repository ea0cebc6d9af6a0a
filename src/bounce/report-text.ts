/** Helpers shared by text-based dialects: where the report ends and the returned original begins, paragraphs, addresses. */
import type { BounceMessage } from './message.ts';
import { ADDRESS, cleanAddress, firstAddress } from './smtp.ts';

/** Lines that start the returned original inside a plain-text bounce (lower-case, matched at line start). */
export const ORIGINAL_MARKERS: readonly string[] = Object.freeze([
  '------ this is a copy of the message', // Exim
  '------ this is a copy of your message', // Exim (newer)
  '--- below this line is a copy of the message', // qmail
  '--- below this line is the original', // qmail variants
  '--- the header of the original message is following', // Courier/various
  '----- original message -----',
  '-----original message-----',
  '------ original message ------',
  '----- the following addresses had permanent fatal errors', // sendmail (not an original, but ends a section)
  '----- unsent message follows -----', // sendmail
  '------- unsent message follows --------',
  '----- original message follows -----',
  '--- original message follows',
  'original message follows',
  '--- original message ---',
  '------ original message follows ------',
  '--------original message--------',
  'the original message was received at', // sendmail preamble (kept out of diagnostics)
  'content-type: message/rfc822',
  'content-type: text/rfc822-headers',
  '------------- begin message ------------',
  '--- message headers follow ---',
  '----- message header follows -----', // Gmail
  'message headers follow.', // DragonFly Mail Agent
  '------=_part', // inline MIME leftovers
  'ursprüngliche nachricht', // German clients
  '----- ursprüngliche nachricht -----',
]);

/** Single-entry memo: several decoders and every recipient's context ask for the same message's report section. */
let memoText = '';
let memoMarkers: readonly string[] | null = null;
let memoCut = 0;

export function reportSection(text: string, markers: readonly string[] = ORIGINAL_MARKERS): string {
  if (text !== memoText || markers !== memoMarkers) {
    memoText = text;
    memoMarkers = markers;
    memoCut = cutAt(text, markers);
  }
  return text.slice(0, memoCut);
}

function cutAt(text: string, markers: readonly string[]): number {
  const lower = text.toLowerCase();
  let cut = text.length;
  for (const m of markers) {
    let i = lower.indexOf(m);
    while (i > 0 && lower.charCodeAt(i - 1) !== 10 && !/\s/.test(lower[i - 1])) i = lower.indexOf(m, i + 1);
    if (i >= 0 && i < cut && i > 0) cut = i;
  }
  return cut;
}

/** Addresses that belong to the sender side of the conversation, never the failed recipient. */
export function senderAddresses(message: BounceMessage): Set<string> {
  const out = new Set<string>();
  for (const name of ['to', 'return-path', 'reply-to', 'from', 'sender', 'errors-to']) {
    for (const v of message.headers.getAll(name)) {
      const a = firstAddress(v);
      if (a) out.add(a.toLowerCase());
    }
  }
  const of = firstAddress(message.original?.get('from'));
  if (of) out.add(of.toLowerCase());
  const rp = firstAddress(message.original?.get('return-path'));
  if (rp) out.add(rp.toLowerCase());
  return out;
}

const ROLE_ACCOUNTS = ['mailer-daemon', 'postmaster', 'mail-daemon', 'maildaemon', 'noreply', 'no-reply', 'bounce', 'bounces'];

export function isRoleAccount(address: string): boolean {
  const local = address.toLowerCase().split('@')[0];
  return ROLE_ACCOUNTS.some((r) => local === r || local.startsWith(r + '+'));
}

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function addressesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(ADDRESS)) out.push(cleanAddress(m[0]));
  return out;
}

/** "host mx.example.net[192.0.2.1] said:" / "host mx.example.net [192.0.2.1]:" → "mx.example.net". */
export function remoteHostIn(text: string): string | null {
  const m = /\bhost\s+([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})\s*\[/i.exec(text)
    ?? /\bhost\s+([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})\s+(?:said|refused)/i.exec(text)
    ?? /\b(?:remote host|remote server|remote mta|mx)\s*[:=]?\s*\[?([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z]{2,})/i.exec(text);
  return m ? m[1].toLowerCase() : null;
}
