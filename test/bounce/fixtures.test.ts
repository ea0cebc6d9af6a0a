import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyse } from '../../src/bounce/index.ts';
import { repoRoot } from './corpus-locate.ts';

interface Expected {
  file: string;
  kind: string;
  originalMessageId: string | null;
  recipients: Record<string, unknown>[];
}

const dir = join(repoRoot, 'test', 'fixtures', 'bounces');
const table: Expected[] = JSON.parse(readFileSync(join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'fixtures.expected.json'), 'utf8'));

describe("the project's own sample bounces", () => {
  it('has an expectation row for every sample and a sample for every row', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort();
    assert.deepEqual(table.map((t) => t.file).sort(), files);
  });

  for (const row of table) {
    it(`decodes ${row.file} as ${row.kind}`, () => {
      const result = analyse(readFileSync(join(dir, row.file)));
      assert.equal(result.kind, row.kind);
      assert.equal(result.originalMessageId, row.originalMessageId);
      assert.equal(result.recipients.length, row.recipients.length);
      row.recipients.forEach((expected, i) => {
        const got = result.recipients[i] as unknown as Record<string, unknown>;
        for (const [key, value] of Object.entries(expected)) assert.deepEqual(got[key], value, `${row.file} recipient ${i + 1}: ${key}`);
      });
    });
  }
});
