/** Small finders for SMTP facts inside free text: enhanced status codes, reply codes, commands, addresses. */

/** RFC 3463 enhanced status code, not part of an IP address or version number. */
const STATUS_CODE = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g;
/** RFC 5321 reply code at the start of a reply or after a separator. */
const REPLY_CODE = /(?<![\w.\-\/:@])([245]\d\d)(?=[ \-]|$|\.|;|:|\])/g;
/** An addr-spec, loosely: real bounces quote addresses in every imaginable way. */
export const ADDRESS = /[A-Za-z0-9!#$%&'*+\/=?^_`{|}~.\-]{1,128}@(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*)/g;

/** RFC 5321 §4.1.2 Quoted-string local part: "first..last"@example.net. */
const QUOTED_ADDRESS = /"[^"\r\n\\]{1,128}"@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+/;

const VALID_REPLY = new Set([
  '211', '214', '220', '221', '235', '250', '251', '252', '253',
  '421', '422', '430', '432', '450', '451', '452', '453', '454', '455', '458', '459',
  '500', '501', '502', '503', '504', '521', '523', '524', '525', '530', '533', '534', '535', '538',
  '550', '551', '552', '553', '554', '555', '556', '557',
]);

/**
 * A remote reply quoted inside a relay's own summary: "5.1.0 - Unknown address error 550-'5.7.1 … Access denied'"
 * (Amazon SES), "554 4.4.7 Message expired: … <421 4.4.2 Connection timed out>". The quoted one is the remote's.
 */
const QUOTED_REPLY_STATUS = /(?:[<'"]\s*[245]\d\d[ \-]|[245]\d\d-')([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)/;

export function findStatus(text: string | null | undefined): string | null {
  if (!text) return null;
  const quoted = QUOTED_REPLY_STATUS.exec(text);
  if (quoted && Number(quoted[1].split('.')[1]) <= 7) return quoted[1];
  STATUS_CODE.lastIndex = 0;
  let first: string | null = null;
  for (const m of text.matchAll(STATUS_CODE)) {
    const code = `${m[1]}.${m[2]}.${m[3]}`;
    if (Number(m[2]) > 7) continue;
    // Prefer a specific code over X.0.0 when the text gives both.
    if (!first) first = code;
    if (!code.endsWith('.0.0')) return first.endsWith('.0.0') && first[0] === code[0] ? code : first;
  }
  return first;
}

export function findAllStatuses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(STATUS_CODE)) if (Number(m[2]) <= 7) out.push(`${m[1]}.${m[2]}.${m[3]}`);
  return out;
}

export function findReplyCode(text: string | null | undefined): string | null {
  if (!text) return null;
  for (const m of text.matchAll(REPLY_CODE)) {
    if (VALID_REPLY.has(m[1])) return m[1];
  }
  return null;
}

export type SmtpCommand = 'CONN' | 'HELO' | 'EHLO' | 'STARTTLS' | 'AUTH' | 'MAIL' | 'RCPT' | 'DATA' | null;

/** Rows of [lower-case fragment, command]; first match wins. */
const COMMAND_FRAGMENTS: ReadonlyArray<readonly [string, SmtpCommand]> = Object.freeze([
  ['in reply to rcpt to', 'RCPT'],
  ['in reply to mail from', 'MAIL'],
  ['in reply to end of data', 'DATA'],
  ['in reply to data', 'DATA'],
  ['in reply to helo', 'HELO'],
  ['in reply to ehlo', 'EHLO'],
  ['in reply to starttls', 'STARTTLS'],
  ['after rcpt to', 'RCPT'],
  ['after mail from', 'MAIL'],
  ['after end of data', 'DATA'],
  ['after data', 'DATA'],
  ['after pipelined data', 'DATA'],
  ['after pipelined rcpt to', 'RCPT'],
  ['after pipelined mail from', 'MAIL'],
  ['after initial connection', 'CONN'],
  ['after helo', 'HELO'],
  ['after ehlo', 'EHLO'],
  ['after starttls', 'STARTTLS'],
  ['most progress was rcpt to', 'RCPT'], // qmail
  ['does not like recipient', 'RCPT'], // qmail
  ['after rcpt command', 'RCPT'], // GMX
  ['for rcpt to command', 'RCPT'], // GMX, web.de: "SMTP error from remote server for RCPT TO command, host: …"
  ['for mail from command', 'MAIL'],
  ['for data command', 'DATA'],
  ['>>> rcpt to', 'RCPT'],
  ['>>> mail from', 'MAIL'],
  ['>>> data', 'DATA'],
  ['>>> ehlo', 'EHLO'],
  ['>>> helo', 'HELO'],
  ['[rcpt_to]', 'RCPT'], // Yahoo: "550 5.2.1 <x@example.jp>... User Unknown [RCPT_TO]"
  ['rcpt to:', 'RCPT'],
  ['mail from:', 'MAIL'],
]);

export function findCommand(text: string | null | undefined): SmtpCommand {
  if (!text) return null;
  const lower = text.toLowerCase();
  for (const [fragment, command] of COMMAND_FRAGMENTS) if (lower.includes(fragment)) return command;
  return null;
}

export function findAddresses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(ADDRESS)) out.push(cleanAddress(m[0]));
  return out;
}

export function cleanAddress(address: string): string {
  let a = address.trim().replace(/^[<("'\[]+|[>)"'\].,;:]+$/g, '');
  if (a.toLowerCase().startsWith('mailto:')) a = a.slice(7);
  if (a.toLowerCase().startsWith('rfc822;')) a = a.slice(7).trim();
  return a.replace(/^[.\-]+/, '');
}

/** The first address inside a field value such as "rfc822; <a@b>" or "Name <a@b>". */
export function firstAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  if (value.includes('"@')) {
    // A quoted local part keeps its quotes: "neko..nyaan"@example.net is another mailbox than neko..nyaan@example.net.
    const quoted = QUOTED_ADDRESS.exec(value);
    if (quoted) return quoted[0];
  }
  ADDRESS.lastIndex = 0;
  const m = ADDRESS.exec(value);
  ADDRESS.lastIndex = 0;
  return m ? cleanAddress(m[0]) : null;
}

export function statusClass(code: string | null | undefined): '2' | '4' | '5' | null {
  const c = code?.[0];
  return c === '2' || c === '4' || c === '5' ? c : null;
}
