import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, nextRetryDelayMs, retryCeilingMs } from '../../src/domain/backoff.ts';

const opts = { baseMs: 30_000, maxMs: 6 * 3_600_000 };

test('the first retry happens within 30 seconds whatever the jitter draws', () => {
  for (const j of [0, 0.25, 0.5, 0.999999, 1]) {
    const d = nextRetryDelayMs(1, { ...DEFAULT_BACKOFF, jitter: () => j });
    assert.ok(d <= 30_000, `jitter ${j} gave ${d}`);
    assert.ok(d >= 1_000, `jitter ${j} gave ${d}`);
  }
});

test('the ceiling doubles with every attempt until it reaches the maximum', () => {
  assert.equal(retryCeilingMs(1, opts), 30_000);
  assert.equal(retryCeilingMs(2, opts), 60_000);
  assert.equal(retryCeilingMs(3, opts), 120_000);
  assert.equal(retryCeilingMs(10, opts), 15_360_000);
  assert.equal(retryCeilingMs(11, opts), opts.maxMs);
  assert.equal(retryCeilingMs(5000, opts), opts.maxMs);
});

test('the largest jitter gives the ceiling and the smallest gives the floor', () => {
  assert.equal(nextRetryDelayMs(4, { ...opts, jitter: () => 0.9999999 }), 240_000);
  assert.equal(nextRetryDelayMs(4, { ...opts, jitter: () => 0 }), 1_000);
  assert.equal(nextRetryDelayMs(4, { ...opts, minMs: 5_000, jitter: () => 0 }), 5_000);
});

test('delays grow on average from one attempt to the next', () => {
  const average = (attempt: number) => {
    let seed = 42;
    const jitter = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let sum = 0;
    for (let i = 0; i < 500; i++) sum += nextRetryDelayMs(attempt, { ...opts, jitter });
    return sum / 500;
  };
  assert.ok(average(2) > average(1));
  assert.ok(average(5) > average(4));
});

test('a broken jitter source never yields a negative or over-ceiling delay', () => {
  for (const j of [NaN, -3, 7, Infinity]) {
    const d = nextRetryDelayMs(2, { ...opts, jitter: () => j });
    assert.ok(d >= 1_000 && d <= 60_000, `jitter ${j} gave ${d}`);
  }
});

test('nonsense attempts and options are refused', () => {
  assert.throws(() => nextRetryDelayMs(0, { ...opts, jitter: Math.random }), RangeError);
  assert.throws(() => nextRetryDelayMs(1.5, { ...opts, jitter: Math.random }), RangeError);
  assert.throws(() => nextRetryDelayMs(1, { baseMs: 0, maxMs: 10, jitter: Math.random }), RangeError);
  assert.throws(() => nextRetryDelayMs(1, { baseMs: 100, maxMs: 10, jitter: Math.random }), RangeError);
});
