import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DIALECTS, FALLBACK_DIALECTS } from '../../src/bounce/dialects/index.ts';
import { REASONS, explainReason, isHardBounce } from '../../src/bounce/index.ts';
import { PROVIDERS } from '../../src/bounce/providers/index.ts';
import { REASON_MODULES } from '../../src/bounce/reasons/index.ts';
import { repoRoot } from './corpus-locate.ts';

const src = join(repoRoot, 'src', 'bounce');
const moduleFiles = (sub: string): string[] =>
  readdirSync(join(src, sub)).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'types.ts').map((f) => f.slice(0, -3)).sort();

describe('the analyser registries', () => {
  it('registers every reason file, in the order of the taxonomy, with id equal to the file name', () => {
    assert.deepEqual(REASON_MODULES.map((m) => m.id), [...REASONS]);
    assert.deepEqual(moduleFiles('reasons'), [...REASONS].sort());
  });

  it('registers every dialect file exactly once, with id equal to the file name', () => {
    const ids = [...DIALECTS, ...FALLBACK_DIALECTS].map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), moduleFiles('dialects'));
  });

  it('registers every provider file exactly once, with id equal to the file name', () => {
    const ids = PROVIDERS.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), moduleFiles('providers'));
  });

  it('keeps every text fragment lower-case and frozen', () => {
    for (const m of REASON_MODULES) {
      assert.ok(Object.isFrozen(m.fragments), m.id);
      for (const f of m.fragments) assert.equal(f, f.toLowerCase(), `${m.id}: ${f}`);
      for (const row of m.aligned) for (const f of row) assert.equal(f, f.toLowerCase(), `${m.id}: ${f}`);
    }
    for (const p of PROVIDERS) for (const row of p.rows) assert.equal(row[2], row[2].toLowerCase(), `${p.id}: ${row[2]}`);
  });

  it('explains every reason in German and English', () => {
    for (const r of REASONS) {
      for (const lang of ['de', 'en'] as const) {
        const e = explainReason(r, lang);
        assert.ok(e.summary.length > 10 && e.advice.length > 5, `${r}/${lang}`);
      }
    }
    assert.match(explainReason('mailboxfull', 'de').summary, /Postfach/);
  });

  it('calls a full mailbox soft and an unknown user hard, whatever the reply code', () => {
    assert.equal(isHardBounce('mailboxfull', '5.2.2'), false);
    assert.equal(isHardBounce('userunknown', '5.1.1'), true);
    assert.equal(isHardBounce('hostunknown'), true);
    assert.equal(isHardBounce('notaccept', '4.3.2'), false);
    assert.equal(isHardBounce('notaccept', '5.3.2'), true);
  });
});
