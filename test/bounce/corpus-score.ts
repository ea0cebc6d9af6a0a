/**
 * The shared scorer's measures (../shared/tools/score), recomputed in TypeScript so the conformance test needs
 * no Python: recipients paired by address first, then in order; Sisimai's x.0.9nn pseudo-statuses accept any
 * status of the same class; "overall" = address, status, reason and hard-bounce all right.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyse } from '../../src/bounce/index.ts';

interface ExpectedRecipient { address: string | null; status: string; reason: string; hardbounce: boolean }
interface ManifestEntry { file: string; recipients: ExpectedRecipient[] }

export interface CorpusScore {
  recipients: number;
  overall: number;
  address: number;
  addressTotal: number;
  filesWithoutRecipients: string[];
}

const PSEUDO = /^\d\.0\.9\d\d$/;
const norm = (a: string | null | undefined): string => (a ?? '').trim().replace(/^<|>$/g, '').toLowerCase();

export function scoreCorpus(corpusDir: string): CorpusScore {
  const manifest: ManifestEntry[] = JSON.parse(readFileSync(join(corpusDir, 'expected.json'), 'utf8'));
  const score: CorpusScore = { recipients: 0, overall: 0, address: 0, addressTotal: 0, filesWithoutRecipients: [] };
  for (const entry of manifest) {
    const got = analyse(readFileSync(join(corpusDir, entry.file))).recipients;
    if (!got.length) score.filesWithoutRecipients.push(entry.file);
    const used = new Set<number>();
    const pairs = new Map<number, [number, boolean]>();
    entry.recipients.forEach((e, i) => {
      if (!e.address) return;
      const j = got.findIndex((g, k) => !used.has(k) && norm(g.address) === norm(e.address));
      if (j >= 0) { used.add(j); pairs.set(i, [j, true]); }
    });
    const rest = got.map((_, k) => k).filter((k) => !used.has(k));
    entry.recipients.forEach((e, i) => {
      if (!pairs.has(i) && rest.length) pairs.set(i, [rest.shift()!, false]);
    });
    entry.recipients.forEach((e, i) => {
      score.recipients++;
      const p = pairs.get(i);
      const g = p ? got[p[0]] : undefined;
      const addressOk = !!p && p[1];
      if (e.address !== null) { score.addressTotal++; if (addressOk) score.address++; }
      if (!g) return;
      const statusOk = PSEUDO.test(e.status) ? (g.status ?? '').slice(0, 2) === e.status.slice(0, 2) : (g.status ?? '') === e.status;
      if ((e.address === null || addressOk) && statusOk && g.reason === e.reason && g.hardBounce === e.hardbounce) score.overall++;
    });
  }
  return score;
}
