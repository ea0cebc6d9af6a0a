import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createComposer } from '../../src/adapters/mime/composer.ts';

const pdf = Buffer.from('%PDF-1.4\n% Rechnung 2026-0815\n');
const options = (i: number) => ({
  from: { name: 'Hotel Sonnenhof', address: 'no-reply@notifications.example.com' },
  to: [{ name: 'Frau Müller', address: `guest-${i}@example.net` }],
  subject: `Ihre Buchung Nr. ${i} – Bestätigung`,
  text: `Grüß Gott, Zimmer ${i} ist für Sie reserviert.`,
  html: `<p>Grüß Gott, Zimmer <b>${i}</b> ist für Sie reserviert.</p>`,
  messageId: `<msg-${i}@notifications.example.com>`,
  date: new Date('2026-12-03T10:00:00Z'),
  attachments: [{ filename: `rechnung-${i}.pdf`, content: pdf.toString('base64'), encoding: 'base64' as const, contentType: 'application/pdf' }],
});

describe('MIME composition on its own thread', () => {
  const threaded = createComposer(1);
  const inline = createComposer(0);
  after(async () => { await threaded.close(); await inline.close(); });

  it('composes the same message as on the event loop, each answer to its own request', async () => {
    const [fromThread, onLoop] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, (_, i) => threaded.compose(options(i)))),
      Promise.all(Array.from({ length: 40 }, (_, i) => inline.compose(options(i)))),
    ]);
    for (let i = 0; i < 40; i++) {
      assert.ok(Buffer.isBuffer(fromThread[i]));
      const a = await simpleParser(fromThread[i]!);
      const b = await simpleParser(onLoop[i]!);
      assert.equal(a.messageId, `<msg-${i}@notifications.example.com>`);
      assert.equal(a.subject, `Ihre Buchung Nr. ${i} – Bestätigung`);
      assert.equal(a.text?.trim(), `Grüß Gott, Zimmer ${i} ist für Sie reserviert.`);
      assert.equal(a.html, b.html);
      assert.deepEqual(a.to, b.to);
      assert.equal(a.attachments[0]!.filename, `rechnung-${i}.pdf`);
      assert.deepEqual(a.attachments[0]!.content, pdf);
    }
  });

  it('never reads files named in the options, and keeps composing after a failed composition', async () => {
    await assert.rejects(threaded.compose({ ...options(1), attachments: undefined, text: { path: '/etc/hostname' } as never }), /MIME composition failed: .*File access rejected/);
    const after = await simpleParser(await threaded.compose(options(2)));
    assert.equal(after.subject, 'Ihre Buchung Nr. 2 – Bestätigung');
  });

  it('an idle composition thread does not keep the process alive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-composer-'));
    const script = join(dir, 'compose-once.mts');
    writeFileSync(script, `import { createComposer } from ${JSON.stringify(new URL('../../src/adapters/mime/composer.ts', import.meta.url).href)};
      const c = createComposer(1);
      const raw = await c.compose({ from: 'a@example.com', to: 'b@example.net', subject: 'x', text: 'y' });
      console.log(raw.length > 0 ? 'composed' : 'empty');\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000 });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'composed');
  });
});
