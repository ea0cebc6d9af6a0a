import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FragmentMatcher, PairIndex, inOrder, registerFragments } from '../../src/bounce/fragments.ts';
import { REASON_MODULES } from '../../src/bounce/reasons/index.ts';

/** The plain definition the pair index must agree with. */
function naive(text: string, fragments: readonly string[], rows: readonly (readonly string[])[]): boolean {
  return fragments.some((f) => text.includes(f)) || rows.some((row) => inOrder(text, row));
}

/** A small deterministic generator, so a failure names a reproducible text. */
function random(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('the fragment pair index', () => {
  registerFragments(REASON_MODULES.flatMap((m) => [...m.fragments, ...m.aligned.flat()]));
  const matchers = REASON_MODULES.map((m) => ({ m, matcher: new FragmentMatcher(m.fragments, m.aligned) }));
  const all = REASON_MODULES.flatMap((m) => [...m.fragments, ...m.aligned.flat()]);
  const index = new PairIndex();

  it('finds exactly what a plain substring search finds, on texts made of fragments, noise and non-ASCII', () => {
    const next = random(42);
    const noise = ['550 5.1.1 ', ' <gast@example.net> ', 'Postfach ', 'über ', '日本語 ', '\u00a0', 'x', ' '];
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const parts = 1 + Math.floor(next() * 5);
      for (let p = 0; p < parts; p++) {
        const source = next() < 0.5 ? all : noise;
        let piece = source[Math.floor(next() * source.length)];
        // Sometimes cut a fragment short, so that near misses are tested too.
        if (next() < 0.3) piece = piece.slice(0, Math.max(1, Math.floor(piece.length * next())));
        text += piece;
      }
      index.load(text);
      for (const { m, matcher } of matchers) {
        assert.equal(matcher.test(text, index), naive(text, m.fragments, m.aligned), `${m.id}: ${JSON.stringify(text)}`);
      }
    }
  });

  it('forgets the previous text when a new one is loaded', () => {
    const mailboxfull = matchers.find(({ m }) => m.id === 'mailboxfull')!.matcher;
    index.load('452 4.2.2 mailbox full');
    assert.equal(mailboxfull.test('452 4.2.2 mailbox full', index), true);
    index.load('550 5.1.1 user unknown');
    assert.equal(mailboxfull.test('550 5.1.1 user unknown', index), false);
  });
});
