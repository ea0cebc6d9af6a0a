/** The analyser: raw bytes in, explainable per-recipient verdicts out. Pure, synchronous, bounded, never throws. */
import { decodeArf } from './arf.ts';
import { classify, isHardBounce } from './classify.ts';
import { DIALECTS, FALLBACK_DIALECTS } from './dialects/index.ts';
import type { AnalyseOptions, Limits } from './limits.ts';
import { Deadline, resolveLimits } from './limits.ts';
import type { BounceMessage } from './message.ts';
import { buildMessage } from './message.ts';
import { decodeTransfer } from './mime/transfer.ts';
import { providerReason } from './providers/index.ts';
import type { Decoded, RawRecipient } from './record.ts';
import { decodeRfc3464 } from './rfc3464.ts';
import { decodeRfc3834 } from './rfc3834.ts';
import { findCommand, findReplyCode, findStatus, statusClass } from './smtp.ts';
import { pseudoStatus } from './status-names.ts';
import type { Action, Analysis, Kind, RecipientVerdict } from './types.ts';

const EMPTY: Analysis = Object.freeze({ kind: 'unknown', originalMessageId: null, original: null, recipients: [] }) as Analysis;

export function analyse(raw: Uint8Array | string, options?: AnalyseOptions): Analysis {
  try {
    const limits = resolveLimits(options);
    const deadline = new Deadline(limits.timeBudgetMs);
    const binary = toBinary(raw, limits);
    if (!binary.trim()) return { ...EMPTY, recipients: [] };
    const message = buildMessage(binary, limits, deadline);
    return analyseMessage(message, limits, deadline, 0);
  } catch {
    // Never let a hostile message take the caller down: an unreadable message is simply 'unknown'.
    return { ...EMPTY, recipients: [] };
  }
}

function toBinary(raw: Uint8Array | string, limits: Limits): string {
  if (typeof raw === 'string') {
    // A JS string holding non-Latin-1 characters is text already decoded: re-encode it as UTF-8 bytes.
    const s = raw.length > limits.maxBytes ? raw.slice(0, limits.maxBytes) : raw;
    return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
  }
  const bytes = raw.length > limits.maxBytes ? raw.subarray(0, limits.maxBytes) : raw;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function decode(message: BounceMessage): Decoded | null {
  const arf = decodeArf(message);
  if (arf) return arf;
  for (const d of DIALECTS) {
    if (message.deadline.expired) return null;
    const r = safe(() => d.decode(message));
    if (r?.recipients.length) return r;
  }
  const dsn = decodeRfc3464(message);
  if (dsn) return dsn;
  const auto = decodeRfc3834(message);
  if (auto) return auto;
  for (const d of FALLBACK_DIALECTS) {
    if (message.deadline.expired) return null;
    const r = safe(() => d.decode(message));
    if (r?.recipients.length) return r;
  }
  return null;
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

function analyseMessage(message: BounceMessage, limits: Limits, deadline: Deadline, depth: number): Analysis {
  const decoded = decode(message);
  const original = originalOf(message);
  if (!decoded) {
    // A report forwarded inside another message (an MTA that wraps the real DSN it received): look one level in.
    const part = message.root.parts.find((p) => p.type === 'message/rfc822' && p.rawBody.length);
    if (part && depth < 2 && !deadline.expired) {
      const inner = buildMessage(decodeTransfer(part.rawBody, part.headers.get('content-transfer-encoding')), limits, deadline);
      const nested = analyseMessage(inner, limits, deadline, depth + 1);
      // Only a real report counts: a forwarded ordinary mail must not turn into a bounce by address-guessing.
      const isReport = inner.deliveryStatus.length > 0 || nested.recipients.some((r) => r.decodedBy !== 'plaintext');
      if (nested.recipients.length && isReport) return nested;
    }
    return { kind: 'unknown', originalMessageId: original.messageId, original: original.headers, recipients: [] };
  }
  const reportingMta = reportingMtaOf(message);
  const recipients = decoded.recipients.slice(0, limits.maxRecipients).map((r) => verdictOf(r, decoded.decodedBy, reportingMta));
  return { kind: decoded.kind ?? kindOf(recipients), originalMessageId: original.messageId, original: original.headers, recipients };
}

const ACTIONS: ReadonlySet<string> = new Set(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);

/**
 * The host that wrote the report: the DSN's Reporting-MTA, else the sending host of the bounce's oldest
 * Received header. Provider rules match on it too (a provider's own relay reports its own errors).
 */
function reportingMtaOf(message: BounceMessage): string | null {
  for (const body of message.deliveryStatus) {
    const m = /^reporting-mta:\s*(?:[a-z0-9\-]+;)?\s*\[?([a-z0-9][a-z0-9.\-]*\.[a-z]{2,})/im.exec(body);
    if (m) return m[1].toLowerCase();
  }
  const received = message.headers.getAll('received');
  const oldest = received[received.length - 1];
  const m = oldest ? /^\s*from\s+([a-z0-9][a-z0-9.\-]*\.[a-z]{2,})/i.exec(oldest) : null;
  return m ? m[1].toLowerCase() : null;
}

/**
 * The verdict for a reply the next hop gave directly (an RCPT/DATA rejection, a provider's answer):
 * the same provider tables and reason rules as for a bounce mail, so a full mailbox is the same
 * verdict whichever way it reached us. `decodedBy` is 'smtp-reply'.
 */
export function verdictForReply(reply: {
  address: string; action: 'failed' | 'delayed'; replyCode: string | null; status: string | null;
  text: string | null; remoteMta: string | null; command: string | null;
}): RecipientVerdict {
  // "RCPT TO" / "MAIL FROM" / "DATA" as nodemailer names them → the rules' "RCPT" / "MAIL" / "DATA".
  const command = reply.command ? reply.command.trim().split(/\s+/)[0]!.toUpperCase() : null;
  return verdictOf({
    address: reply.address, action: reply.action, status: reply.status, replyCode: reply.replyCode,
    diagnosticCode: reply.text, remoteMta: reply.remoteMta, command,
  }, 'smtp-reply', null);
}

function verdictOf(r: RawRecipient, decodedBy: string, reportingMta: string | null): RecipientVerdict {
  const diagnostic = r.diagnosticCode ? r.diagnosticCode.replace(/\s+/g, ' ').trim() : null;
  const replyCode = r.replyCode ?? findReplyCode(diagnostic);
  let status = r.status ?? null;
  const fromText = findStatus(diagnostic);
  // A DSN's generic "5.0.0" next to a specific code in the remote text: the remote text knows better.
  // The remote server's own code is more precise than the reporting MTA's summary in Status:.
  if (fromText && (!status || (fromText[0] === status[0] && !fromText.endsWith('.0.0')))) status = fromText;
  if (!status && replyCode && (replyCode[0] === '4' || replyCode[0] === '5')) status = null;
  const command = r.command ?? findCommand(diagnostic);
  const action = r.action && ACTIONS.has(r.action) ? (r.action as Action) : null;

  let reason: RecipientVerdict['reason'];
  let reasonFrom: string;
  const provider = r.hint ? null : providerReason(r.remoteMta ?? null, r.address, replyCode, status, diagnostic ?? '', reportingMta);
  if (provider) {
    reason = provider.reason;
    reasonFrom = provider.from;
  } else {
    const v = classify({
      status, replyCode, diagnosticCode: r.reasonText ? r.reasonText.replace(/\s+/g, ' ') : diagnostic, diagnosticType: r.diagnosticType ?? null, action, command, hint: r.hint ?? null,
    });
    reason = v.reason;
    reasonFrom = v.from === 'dialect' ? (r.hintFrom ? `${r.hintFrom}` : `dialect:${decodedBy}`) : v.from;
  }
  if (!status && reason !== 'vacation' && reason !== 'feedback' && reason !== 'delivered') {
    const temporary = statusClass(replyCode) === '4' || action === 'delayed' || /temporary failure|will be retried/i.test(diagnostic ?? '');
    if (replyCode && statusClass(replyCode)) status = `${replyCode[0]}.0.0`;
    else status = pseudoStatus(reason, temporary);
  }
  return {
    address: r.address,
    action,
    status,
    replyCode,
    reason,
    hardBounce: isHardBounce(reason, status),
    diagnosticCode: diagnostic,
    remoteMta: r.remoteMta ?? null,
    decodedBy,
    reasonFrom,
    ...(r.feedbackType !== undefined ? { feedbackType: r.feedbackType } : {}),
  };
}

function kindOf(recipients: RecipientVerdict[]): Kind {
  if (!recipients.length) return 'unknown';
  if (recipients.some((r) => r.action === 'failed' || (r.action === null && r.reason !== 'delivered'))) return 'bounce';
  if (recipients.every((r) => r.action === 'delivered' || r.action === 'relayed' || r.action === 'expanded' || r.reason === 'delivered')) return 'delivered';
  if (recipients.some((r) => r.action === 'delayed')) return 'delay';
  return 'bounce';
}

function originalOf(message: BounceMessage): { messageId: string | null; headers: Analysis['original'] } {
  const h = message.original;
  let messageId = h?.get('message-id') ?? null;
  if (!messageId) {
    // Quoted headers of the original inside a plain-text bounce.
    const m = /^\s*message-id:\s*(<[^>\s]{1,250}>)/im.exec(message.text.slice(Math.max(0, message.text.length - 200_000)));
    const own = message.headers.get('message-id');
    if (m && m[1] !== own) messageId = m[1];
  }
  if (messageId) messageId = /<[^>]*>/.exec(messageId)?.[0] ?? `<${messageId.trim()}>`;
  const headers = h
    ? { subject: h.get('subject'), from: h.get('from'), to: h.get('to'), date: h.get('date') }
    : null;
  return { messageId, headers };
}
