/**
 * `npm run bench:parse`: parse the whole shared corpus in one process, five times; print the median
 * messages/s and peak RSS, and Debian's Sisimai on the same files in the same run (when installed), and the ratio.
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
const rates: number[] = [];
let peakRss = process.memoryUsage().rss;
for (let run = 0; run < 5; run++) {
  const t0 = performance.now();
  for (const m of mails) analyse(m);
  const seconds = (performance.now() - t0) / 1000;
  rates.push(mails.length / seconds);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const ours = median(rates);
console.log(`rebound: ${mails.length} messages, ${ours.toFixed(0)} messages/s (median of 5), peak RSS ${(peakRss / 1048576).toFixed(1)} MB`);

const loop = join(shared, 'tools', 'peers', 'sisimai-json-loop');
const script = join(shared, 'tools', 'peers', 'sisimai-json');
if (!existsSync(loop) || !existsSync(script)) {
  console.log('sisimai: peer scripts not found; no comparison');
} else {
  const loops: number[] = [];
  for (let run = 0; run < 3; run++) {
    const r = spawnSync(loop, [script, corpusDir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const m = /\{"loop_s":\s*([\d.]+)\}/.exec(r.stderr ?? '');
    if (r.status !== 0 || !m) {
      console.log(`sisimai: not available (${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}); apt-get install libsisimai-perl`);
      break;
    }
    loops.push(Number(m[1]));
  }
  if (loops.length) {
    const theirs = files.length / median(loops);
    console.log(`sisimai (Debian, perl): ${files.length} messages, ${theirs.toFixed(0)} messages/s (median of ${loops.length} loops)`);
    console.log(`ratio: ${(ours / theirs).toFixed(1)}x Sisimai's messages/s`);
  }
}
