/**
 * `npm run bench:parse`: parse the whole shared corpus in one process and print the median messages/s and
 * peak RSS, next to Debian's Sisimai on the same files in the same run (when installed), and the ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyse } from '../src/bounce/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedCandidates = [join(repoRoot, '..', 'shared'), join(repoRoot, 'shared')];
const shared = sharedCandidates.find((d) => existsSync(join(d, 'corpus', 'sisimai', 'expected.json')));
if (!shared) {
  console.error('bench:parse: no ../shared/corpus/sisimai next to the repository');
  process.exit(2);
}
const corpusDir = join(shared, 'corpus', 'sisimai', 'maildir', 'bsd');

function listFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : name.endsWith('.eml') ? [p] : [];
  });
}

const files = listFiles(corpusDir);
const mails = files.map((f) => readFileSync(f));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm-up: JIT and lazily built tables, as in a long-running process.
for (const m of mails) analyse(m);

/**
 * One timed measurement of Rebound: whole passes over the corpus until at least `minSeconds` of wall time,
 * so that one burst of load on a shared machine cannot decide a figure that a single 0.1 s pass would be.
 */
function measureOurs(minSeconds: number): number {
  let passes = 0;
  const t0 = performance.now();
  let seconds = 0;
  do {
    for (const m of mails) analyse(m);
    passes++;
    seconds = (performance.now() - t0) / 1000;
  } while (seconds < minSeconds);
  return (passes * mails.length) / seconds;
}

const loop = join(shared, 'tools', 'peers', 'sisimai-json-loop');
const script = join(shared, 'tools', 'peers', 'sisimai-json');
let sisimaiMissing: string | null = existsSync(loop) && existsSync(script) ? null : 'peer scripts not found; no comparison';

/** One timed loop of Debian's Sisimai over the same files (messages/s), or null when it cannot run. */
function measureSisimai(): number | null {
  if (sisimaiMissing) return null;
  const r = spawnSync(loop, [script, corpusDir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const m = /\{"loop_s":\s*([\d.]+)\}/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) {
    sisimaiMissing = `not available (${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}); apt-get install libsisimai-perl`;
    return null;
  }
  return files.length / Number(m[1]);
}

// Rounds alternate between the two parsers, so both see the same load on a shared machine (other test
// suites running); the ratio is the median of the per-round ratios.
const ROUNDS = 5;
const rates: number[] = [];
const theirRates: number[] = [];
const ratios: number[] = [];
let peakRss = process.memoryUsage().rss;
for (let round = 0; round < ROUNDS; round++) {
  const ours = measureOurs(1);
  rates.push(ours);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const theirs = measureSisimai();
  if (theirs !== null) {
    theirRates.push(theirs);
    ratios.push(ours / theirs);
  }
}
console.log(`rebound: ${mails.length} messages, ${median(rates).toFixed(0)} messages/s (median of ${ROUNDS} rounds), peak RSS ${(peakRss / 1048576).toFixed(1)} MB`);
if (!theirRates.length) {
  console.log(`sisimai: ${sisimaiMissing ?? 'no comparison'}`);
} else {
  console.log(`sisimai (Debian, perl): ${files.length} messages, ${median(theirRates).toFixed(0)} messages/s (median of ${theirRates.length} loops, alternating with rebound's rounds)`);
  console.log(`ratio: ${median(ratios).toFixed(1)}x Sisimai's messages/s (median of per-round ratios; range ${Math.min(...ratios).toFixed(1)}-${Math.max(...ratios).toFixed(1)})`);
}
