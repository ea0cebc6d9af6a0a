/**
 * Bounds on every parse. Each one stops a specific attack on a service that reads mail from strangers.
 */
export interface AnalyseOptions {
  /** Bytes read from the input; the rest is ignored. Stops memory blow-up from a huge (or endless) message. */
  maxBytes?: number;
  /** Wall-clock budget; decoding stops early and returns what it has. Stops pathological inputs from hogging a worker. */
  timeBudgetMs?: number;
}

export interface Limits {
  maxBytes: number;
  timeBudgetMs: number;
  /** Nested multiparts / message/rfc822 levels. Stops stack exhaustion via deeply nested MIME. */
  maxDepth: number;
  /** Total MIME entities visited. Stops "a million empty parts" bombs. */
  maxParts: number;
  /** Bytes of one header block. Stops quadratic unfolding of giant headers. */
  maxHeaderBytes: number;
  /** Characters of decoded text the dialects look at. Bounces put their facts near the top. */
  maxTextChars: number;
  /** Recipients reported for one message. Stops output blow-up from a report listing thousands. */
  maxRecipients: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  timeBudgetMs: 250,
  maxDepth: 12,
  maxParts: 200,
  maxHeaderBytes: 256 * 1024,
  maxTextChars: 512 * 1024,
  maxRecipients: 500,
});

export function resolveLimits(options?: AnalyseOptions): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  const maxBytes = options?.maxBytes;
  if (typeof maxBytes === 'number' && Number.isFinite(maxBytes) && maxBytes > 0) limits.maxBytes = Math.floor(maxBytes);
  const budget = options?.timeBudgetMs;
  if (typeof budget === 'number' && Number.isFinite(budget) && budget > 0) limits.timeBudgetMs = budget;
  return limits;
}

/** A monotonic deadline shared by every stage of one parse. */
export class Deadline {
  private readonly end: number;
  constructor(budgetMs: number) {
    this.end = performance.now() + budgetMs;
  }
  get expired(): boolean {
    return performance.now() > this.end;
  }
}
