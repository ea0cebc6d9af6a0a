import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyse } from '../../src/bounce/index.ts';
import { locateSisimaiCorpus, repoRoot } from './corpus-locate.ts';
import { prng } from '../helpers/prng.ts';


/** Per message; generous for slow CI machines, far below "hangs". */
const MAX_MS_PER_MESSAGE = 1500;

function check(input: Uint8Array | string, label: string): void {
  const started = performance.now();
  const result = analyse(input);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < MAX_MS_PER_MESSAGE, `${label}: ${elapsed.toFixed(0)} ms`);
  assert.ok(['bounce', 'delay', 'autoreply', 'feedback', 'delivered', 'unknown'].includes(result.kind), label);
  assert.ok(Array.isArray(result.recipients), label);
}

function samples(): { name: string; bytes: Buffer }[] {
  const corpus = locateSisimaiCorpus();
  const dirs = [join(repoRoot, 'test', 'fixtures', 'bounces')];
  if (corpus) dirs.push(join(corpus, 'maildir', 'bsd'));
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.eml')).sort().map((f) => ({ name: f, bytes: readFileSync(join(d, f)) })));
}

describe('the analyser on hostile input', () => {
  const all = samples();

  it('survives every sample truncated, garbled and with random bytes flipped', () => {
    const random = prng(20251203);
    for (const { name, bytes } of all) {
      check(bytes.subarray(0, Math.floor(random() * bytes.length)), `${name} truncated`);
      const flipped = Buffer.from(bytes);
      for (let i = 0; i < 1 + flipped.length / 200; i++) flipped[Math.floor(random() * flipped.length)] ^= 1 << Math.floor(random() * 8);
      check(flipped, `${name} flipped`);
      const garbled = Buffer.from(bytes);
      const start = Math.floor(random() * garbled.length);
      for (let i = start; i < Math.min(garbled.length, start + 512); i++) garbled[i] = Math.floor(random() * 256);
      check(garbled, `${name} garbled`);
      check(bytes.toString('latin1').replace(/\n/g, '\r'), `${name} CR only`);
    }
  });

  it('returns unknown with no recipients for empty and undecodable input', () => {
    for (const input of ['', '   \n\n', new Uint8Array(0), Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'no headers at all, just words']) {
      const r = analyse(input);
      assert.equal(r.recipients.length, 0);
    }
    assert.equal(analyse('').kind, 'unknown');
  });

  it('stays bounded in time and memory on a 25 MB message', () => {
    const head = 'From: MAILER-DAEMON@example.com\r\nSubject: Undelivered Mail\r\nContent-Type: text/plain\r\n\r\n<guest@example.net>: 550 5.1.1 user unknown\r\n';
    const huge = Buffer.concat([Buffer.from(head), Buffer.alloc(25 * 1024 * 1024, 'A very long line without end ')]);
    const before = process.memoryUsage().rss;
    check(huge, '25 MB');
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 400 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(0)} MB`);
  });

  it('stays bounded on deeply nested multiparts and message/rfc822 chains', () => {
    let nested = 'Content-Type: text/plain\r\n\r\n<guest@example.net>: 550 5.1.1 user unknown\r\n';
    for (let i = 0; i < 2000; i++) {
      nested = i % 2
        ? `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--\r\n`
        : `Content-Type: message/rfc822\r\n\r\n${nested}`;
    }
    check('From: MAILER-DAEMON@example.com\r\n' + nested, 'nested 2000');
    const wide = 'Content-Type: multipart/mixed; boundary="w"\r\n\r\n' + '--w\r\nContent-Type: text/plain\r\n\r\nx\r\n'.repeat(100_000) + '--w--\r\n';
    check(wide, 'wide 100000 parts');
  });
});
