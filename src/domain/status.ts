/** The brief's status vocabulary, per message and per recipient. */
export const STATUSES = ['queued', 'sent', 'delivered', 'deferred', 'bounced', 'complained', 'suppressed'] as const;
export type Status = (typeof STATUSES)[number];

export const EVENT_TYPES = [
  'accepted', 'sent', 'deferred', 'delivered', 'bounced', 'complained', 'suppressed', 'autoreply', 'notified', 'unsubscribed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Statuses after which the worker never tries the recipient again. */
export function isFinal(status: Status): boolean {
  return status === 'bounced' || status === 'complained' || status === 'suppressed' || status === 'delivered' || status === 'sent';
}

/**
 * A message's status sums up its recipients': while any recipient is still in progress the message
 * is too (deferred wins over queued, since it is the one a person may need to know about); once all
 * are settled, one shared status is the message's, and a mix reports its most important problem —
 * bounced, then complained, then suppressed — so a PMS filtering by `bounced` finds partial failures.
 */
export function summarise(recipientStatuses: readonly Status[]): Status {
  if (recipientStatuses.length === 0) return 'queued';
  const has = (s: Status) => recipientStatuses.includes(s);
  if (has('deferred')) return 'deferred';
  if (has('queued')) return 'queued';
  for (const s of ['bounced', 'complained', 'suppressed'] as const) if (has(s)) return s;
  if (recipientStatuses.every((s) => s === 'delivered')) return 'delivered';
  return 'sent';
}
