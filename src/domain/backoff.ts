/**
 * Retry delays for message deliveries and outbound webhooks: exponential growth with "full jitter"
 * (the delay is drawn uniformly from [floor, ceiling]), so thousands of envelopes deferred by the same
 * provider outage do not all come back in the same second and knock it over again.
 *
 * Ceiling for retry n (n = 1 is the first retry): min(maxMs, baseMs · 2^(n−1)).
 * With baseMs ≤ 30 000 the first retry always happens within 30 s, as issue 4 asks; the ceilings then
 * double until they reach maxMs. Pure: the caller passes the randomness.
 */
export interface BackoffOptions {
  /** Ceiling of the first retry. */
  baseMs: number;
  /** Largest ceiling any retry may reach. */
  maxMs: number;
  /** A number in [0, 1); `Math.random` in production, a constant in tests. */
  jitter: () => number;
  /**
   * Lower bound of every delay, so a jitter of 0 never means "retry in the same tick" (a tight loop
   * against a server that just failed). Default: min(1 000, baseMs).
   */
  minMs?: number;
}

/** 30 s, doubling up to 6 h — the defaults suggested to the worker and the webhook outbox. */
export const DEFAULT_BACKOFF: Readonly<Omit<BackoffOptions, 'jitter'>> = Object.freeze({
  baseMs: 30_000,
  maxMs: 6 * 60 * 60 * 1000,
});

/** The upper bound of the delay before retry `attempt` (1-based), without jitter. */
export function retryCeilingMs(attempt: number, opts: Pick<BackoffOptions, 'baseMs' | 'maxMs'>): number {
  validate(attempt, opts);
  // 2^(attempt-1) overflows to Infinity past ~1024; Math.min keeps the result finite.
  return Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
}

/** Delay before retry `attempt` (1 = first retry after the first failed try). */
export function nextRetryDelayMs(attempt: number, opts: BackoffOptions): number {
  const ceiling = retryCeilingMs(attempt, opts);
  const floor = Math.min(ceiling, opts.minMs ?? Math.min(1_000, opts.baseMs));
  const r = clampUnit(opts.jitter());
  return Math.round(floor + r * (ceiling - floor));
}

function validate(attempt: number, opts: Pick<BackoffOptions, 'baseMs' | 'maxMs'>): void {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
  if (!(opts.baseMs > 0) || !Number.isFinite(opts.baseMs)) throw new RangeError('baseMs must be a positive number');
  if (!(opts.maxMs >= opts.baseMs) || !Number.isFinite(opts.maxMs)) throw new RangeError('maxMs must be ≥ baseMs');
}

/** A misbehaving jitter source (NaN, 1, −3) must not produce a negative or over-ceiling delay. */
function clampUnit(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 1 : x;
}
