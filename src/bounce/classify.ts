/**
 * The reason engine: from status, reply code, command and the remote text to one reason of the taxonomy.
 * The decision order follows Sisimai's reason/find.go (BSD-2-Clause, azumakuniyuki and the sisimai team):
 * first the reasons whose status or text is decisive, then text fragments of the rest, then the status alone.
 */
import { FragmentMatcher, PairIndex, registerFragments } from './fragments.ts';
import { REASON_MODULES } from './reasons/index.ts';
import { reasonOfStatus } from './status-names.ts';
import type { Reason } from './types.ts';

export interface Fact {
  status: string | null;
  replyCode: string | null;
  /** Remote text, any case. */
  diagnosticCode: string | null;
  /** "SMTP", "X-Unix", … from the Diagnostic-Code field; null when unknown. */
  diagnosticType: string | null;
  action: string | null;
  command: string | null;
  /** A reason a dialect already knows for certain (e.g. from a provider's own code). */
  hint: Reason | null;
}

export interface Verdict {
  reason: Reason;
  /** Which rule decided, e.g. "status:5.2.2", "text:mailboxfull", "dialect:exim". */
  from: string;
}

const RETRYABLE: ReadonlySet<string> = new Set(['undefined', 'onhold', 'systemerror', 'securityerror', 'expired', 'networkerror', 'hostunknown', 'userunknown']);
const BEFORE_DATA: ReadonlySet<string> = new Set(['CONN', 'EHLO', 'HELO', 'STARTTLS', 'AUTH', 'MAIL', 'RCPT']);

/**
 * The probes ask about the same text many times (userunknown alone up to five times per verdict): remember
 * the answers for the text last asked about. A memo, not state: the answer depends only on the arguments.
 */
let memoText = '';
const memo = new Map<Reason, boolean>();

export function matchesReason(id: Reason, lowerText: string): boolean {
  if (!lowerText) return false;
  if (lowerText !== memoText) {
    memoText = lowerText;
    memo.clear();
  }
  let known = memo.get(id);
  if (known === undefined) {
    known = scanReason(id, lowerText);
    memo.set(id, known);
  }
  return known;
}

interface CompiledReason {
  matcher: FragmentMatcher;
  exclusions: readonly string[];
}

/** The reason tables compiled once, on first use (nothing happens at import time). */
let compiled: ReadonlyMap<Reason, CompiledReason> | null = null;
const pairIndex = new PairIndex();

function compiledReasons(): ReadonlyMap<Reason, CompiledReason> {
  if (compiled) return compiled;
  registerFragments(REASON_MODULES.flatMap((m) => [...m.fragments, ...m.aligned.flat()]));
  compiled = new Map(REASON_MODULES.map((m) => [m.id, { matcher: new FragmentMatcher(m.fragments, m.aligned), exclusions: m.exclusions ?? [] }]));
  return compiled;
}

function scanReason(id: Reason, lowerText: string): boolean {
  const m = compiledReasons().get(id);
  if (!m) return false;
  pairIndex.load(lowerText);
  if (!m.matcher.test(lowerText, pairIndex)) return false;
  return !m.exclusions.some((x) => lowerText.includes(x));
}

type Probe = (f: Fact, text: string, statusReason: Reason | null) => boolean;

/** Each probe: does the fact point to this reason? (Sisimai's ProbesInto.) */
const PROBES: ReadonlyArray<readonly [Reason, Probe]> = [
  ['mailboxfull', (f, t, s) => s === 'mailboxfull' || matchesReason('mailboxfull', t)],
  ['mesgtoobig', (f, t, s) => s === 'mesgtoobig' || (s !== 'exceedlimit' && f.status !== '5.2.3' && matchesReason('mesgtoobig', t))],
  ['exceedlimit', (f, t, s) => s === 'exceedlimit' || matchesReason('exceedlimit', t)],
  ['suspend', (f, t) => f.replyCode === '525' || matchesReason('suspend', t)],
  ['hasmoved', (f, t, s) => s === 'hasmoved' || matchesReason('hasmoved', t)],
  ['norelaying', (f, t) => !(f.command === 'CONN' || f.command === 'EHLO' || f.command === 'HELO') && matchesReason('norelaying', t)],
  ['authfailure', (f, t, s) => s === 'authfailure' || matchesReason('authfailure', t)],
  ['userunknown', (f, t, s) => {
    if (s === 'userunknown') {
      for (const other of ['norelaying', 'blocked', 'mailboxfull', 'hasmoved', 'rejected', 'notaccept'] as const) if (matchesReason(other, t)) return false;
      return true;
    }
    // Without a RCPT-time rejection a "user unknown" text is, by Sisimai's convention, a filter's verdict.
    return f.command === 'RCPT' && matchesReason('userunknown', t);
  }],
  ['filtered', (f, t, s) => {
    if (s === 'filtered') return matchesReason('userunknown', t) || matchesReason('filtered', t);
    if (f.command && BEFORE_DATA.has(f.command)) return false;
    return matchesReason('filtered', t) || matchesReason('userunknown', t);
  }],
  ['requireptr', (f, t, s) => s === 'requireptr' || matchesReason('requireptr', t)],
  ['notcompliantrfc', (f, t) => matchesReason('notcompliantrfc', t)],
  ['badreputation', (f, t) => matchesReason('badreputation', t)],
  ['contenterror', (f, t, s) => {
    if (spamProbe(f, t, s)) return false;
    return s === 'contenterror' || matchesReason('contenterror', t);
  }],
  ['rejected', (f, t, s) => {
    if (s === 'rejected') return true;
    const temp = s ?? 'undefined';
    if (f.command === 'MAIL') return matchesReason('rejected', t);
    if (f.command === 'DATA' && temp !== 'userunknown') return matchesReason('rejected', t);
    if (temp === 'undefined' || temp === 'onhold' || temp === 'securityerror' || temp === 'systemerror') return matchesReason('rejected', t);
    return false;
  }],
  ['hostunknown', (f, t, s) => (s === 'hostunknown' ? !matchesReason('networkerror', t) : matchesReason('hostunknown', t))],
  ['spamdetected', (f, t, s) => spamProbe(f, t, s)],
  ['speeding', (f, t) => matchesReason('speeding', t)],
  ['toomanyconn', (f, t, s) => s === 'toomanyconn' || matchesReason('toomanyconn', t)],
  ['blocked', (f, t, s) => s === 'blocked' || matchesReason('blocked', t)],
];

function spamProbe(f: Fact, t: string, s: Reason | null): boolean {
  if (!f.status) return false;
  if (s === 'spamdetected') return true;
  if (f.command && BEFORE_DATA.has(f.command)) return false;
  return matchesReason('spamdetected', t);
}

/** Second pass: text fragments only (Sisimai's classorder[1]). */
const TEXT_ORDER: readonly Reason[] = [
  'mailboxfull', 'authfailure', 'badreputation', 'speeding', 'spamdetected', 'virusdetected', 'policyviolation',
  'norelaying', 'systemerror', 'networkerror', 'suspend', 'contenterror', 'systemfull', 'notaccept', 'expired',
  'failedstarttls', 'securityerror', 'mailererror',
];

export function classify(f: Fact): Verdict {
  if (f.hint && !RETRYABLE.has(f.hint)) return { reason: f.hint, from: 'dialect' };
  if (f.status?.startsWith('2.')) return { reason: 'delivered', from: `status:${f.status}` };

  const text = (f.diagnosticCode ?? '').toLowerCase();
  const statusReason = reasonOfStatus(f.status);
  const type = (f.diagnosticType ?? '').toUpperCase();

  if (type === 'SMTP' || type === '') {
    for (const [id, probe] of PROBES) {
      // A decoder's retryable hint still wins its own probe, as a reason already set does in Sisimai's ProbesInto.
      if (f.hint === id) return { reason: id, from: 'dialect' };
      if (probe(f, text, statusReason)) {
        const byStatus = statusReason === id && !matchesReason(id, text);
        return { reason: id, from: byStatus ? `status:${f.status}` : `text:${id}` };
      }
    }
  }
  if (f.hint) return { reason: f.hint, from: 'dialect' };

  if (statusReason === null || RETRYABLE.has(statusReason) || type !== 'SMTP') {
    for (const id of TEXT_ORDER) if (matchesReason(id, text)) return { reason: id, from: `text:${id}` };
    if (statusReason) return { reason: statusReason, from: `status:${f.status}` };
    const sub = f.status?.slice(0, 3);
    if (sub === '5.6' || sub === '4.6') return { reason: 'contenterror', from: `status:${f.status}` };
    if (sub === '5.7' || sub === '4.7') return { reason: 'securityerror', from: `status:${f.status}` };
    if (type.startsWith('X-UNIX')) return { reason: 'mailererror', from: 'diagnostic-type:x-unix' };
    const reply = Number(f.replyCode);
    if ((reply > 400 && reply < 408) || (reply > 500 && reply < 508)) return { reason: 'syntaxerror', from: `reply:${f.replyCode}` };
    if (f.action === 'delayed' || f.action === 'expired') return { reason: 'expired', from: 'action:delayed' };
    if (f.command === 'EHLO' || f.command === 'HELO') return { reason: 'blocked', from: `command:${f.command}` };
  } else {
    return { reason: statusReason, from: `status:${f.status}` };
  }
  if (matchesReason('vacation', text)) return { reason: 'vacation', from: 'text:vacation' };
  if (text.trim()) return { reason: 'onhold', from: 'fallback:onhold' };
  return { reason: 'undefined', from: 'fallback:undefined' };
}

/**
 * Hard bounce: the address itself is permanently bad (Sisimai's failure.IsHardBounce). A full mailbox is
 * soft even with a 5xx; 'notaccept' is hard unless the server said it was temporary.
 */
export function isHardBounce(reason: Reason, status?: string | null): boolean {
  if (reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved') return true;
  if (reason !== 'notaccept') return false;
  return !status || !status.startsWith('4');
}
