/**
 * The analyser's public contract (see BRIEF.md, "The analyser's command-line contract").
 * Pure data: nothing here touches a database, network, logger or queue.
 */

/** Sisimai's reason names — the de-facto public taxonomy, so results compare with it directly. */
export const REASONS = [
  'userunknown', 'mailboxfull', 'hostunknown', 'filtered', 'rejected', 'blocked', 'spamdetected',
  'policyviolation', 'securityerror', 'expired', 'suspend', 'toomanyconn', 'exceedlimit', 'mesgtoobig',
  'contenterror', 'networkerror', 'systemerror', 'systemfull', 'norelaying', 'notaccept', 'syntaxerror',
  'virusdetected', 'requireptr', 'authfailure', 'badreputation', 'ratelimited', 'emailtoolong',
  'notcompliantrfc', 'speeding', 'hasmoved', 'mailererror', 'failedstarttls', 'onhold', 'undefined',
  'vacation', 'feedback', 'delivered',
] as const;
export type Reason = (typeof REASONS)[number];

export type Kind = 'bounce' | 'delay' | 'autoreply' | 'feedback' | 'delivered' | 'unknown';

export type Action = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface RecipientVerdict {
  address: string;
  action: Action | null;
  /** RFC 3463 enhanced status, e.g. "5.1.1"; null when the report gives none and none can be inferred. */
  status: string | null;
  /** SMTP reply code, e.g. "550"; null when unknown. */
  replyCode: string | null;
  reason: Reason;
  hardBounce: boolean;
  /** The remote server's text, verbatim (unfolded), nothing added. */
  diagnosticCode: string | null;
  remoteMta: string | null;
  /** Which dialect decoded this recipient (file name under dialects/, or 'rfc3464', 'arf', 'rfc3834'). */
  decodedBy: string;
  /** Which rule chose the reason, e.g. 'status:5.1.1', 'text:mailboxfull', 'provider:gmail'. */
  reasonFrom: string;
  /** ARF only: the Feedback-Type (abuse, fraud, …). */
  feedbackType?: string | null;
}

export interface Analysis {
  kind: Kind;
  /** Message-ID of the returned original (angle brackets included), or null. */
  originalMessageId: string | null;
  /** Selected headers of the returned original when present (for matching and for notifications). */
  original: { subject: string | null; from: string | null; to: string | null; date: string | null } | null;
  recipients: RecipientVerdict[];
}
