import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { createPostgresDatabase, postgresAvailable } from '../helpers/databases.ts';
import { rawConnection, tenantPost } from '../helpers/raw-http.ts';

const BIN = resolve('bin/rebound.js');
const PG_UP = await postgresAvailable();
const FIXTURES = resolve('test/fixtures/bounces');

function run(args: string[], env: Record<string, string> = {}, cwd?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd, timeout: 60_000 });
}


/**
 * Starts `rebound serve` and resolves with its HTTP port once the start-up banner names it and
 * `until` matches the output so far (rejects on exit or after 30 s). `output()` is stderr so far.
 */
function startServe(env: Record<string, string>, cwd?: string, until = /Database/) {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd, env: { ...process.env, REBOUND_HTTP_PORT: '0', REBOUND_SMTP_PORT: '0', REBOUND_LOG_LEVEL: 'warn', ...env } });
  let err = '';
  const port = new Promise<number>((resolvePort, reject) => {
    const t = setTimeout(() => reject(new Error(`no start-up banner: ${err}`)), 30_000);
    child.stderr.on('data', (c) => {
      err += c;
      const m = /HTTP API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m && until.test(err)) { clearTimeout(t); resolvePort(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`exited ${code}: ${err}`)); });
  });
  port.catch(() => {});
  return { child, port, output: () => err };
}

describe('the rebound command', () => {
  it('stops start-up with one clear line naming a bad variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-cli-'));
    try {
      const r = run(['serve'], { REBOUND_RELAY_URL: 'http://wrong.example.com', REBOUND_DATA_DIR: dir });
      assert.notEqual(r.status, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /REBOUND_RELAY_URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with one line naming the setting when the HTTP port is taken, and starts nothing else', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'rebound-cli-'));
    try {
      const r = run(['serve'], { REBOUND_HTTP_PORT: String(port), REBOUND_SMTP_PORT: '0', REBOUND_DATA_DIR: dir });
      assert.equal(r.status, 1);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /already in use \(REBOUND_HTTP_PORT/);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses a directory into one JSON line per file, and gives an unreadable file an error line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-parse-'));
    try {
      const sample = readdirSync(FIXTURES).find((f) => f.endsWith('.eml'))!;
      const missing = join(dir, 'does-not-exist.eml');
      const r = run(['parse', '--jsonl', FIXTURES, missing]);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const emlCount = readdirSync(FIXTURES, { recursive: true }).filter((f) => String(f).endsWith('.eml')).length;
      assert.ok(lines.length >= emlCount + 1);
      const one = lines.find((l) => l.file.endsWith(sample))!;
      assert.ok(['bounce', 'delay', 'autoreply', 'feedback', 'delivered', 'unknown'].includes(one.kind));
      assert.ok(Array.isArray(one.recipients));
      const bad = lines.find((l) => l.file === missing)!;
      assert.ok(bad.error, 'the missing file has an error line');
      assert.equal(r.status, 1, 'non-zero exit because one file could not be read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends on symlink loops and refuses FIFOs and devices instead of hanging', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-loop-'));
    try {
      const sample = readdirSync(FIXTURES).find((f) => f.endsWith('.eml'))!;
      spawnSync('sh', ['-c', `mkdir L && cp "${join(FIXTURES, sample)}" L/ && ln -s . L/x && ln -s . L/y && mkfifo pipe.eml`], { cwd: dir });
      const r = spawnSync(process.execPath, [BIN, 'parse', '--jsonl', 'L', 'pipe.eml', '/dev/zero'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.signal, null, 'finished by itself');
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.filter((l) => l.file.endsWith(sample)).length, 1, 'the file once, not once per loop');
      assert.equal(lines.find((l) => l.file === 'pipe.eml').error, 'not a regular file');
      assert.equal(lines.find((l) => l.file === '/dev/zero').error, 'not a regular file');
      assert.equal(r.status, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends quietly when the reader of its output stops early (parse … | head)', async () => {
    // Ten times the fixtures: ~110 KB, more than a pipe holds, so the writer is still writing when the reader goes.
    const child = spawn(process.execPath, [BIN, 'parse', '--jsonl', ...Array.from({ length: 10 }, () => FIXTURES)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => { err += c; });
    const first = await new Promise<string>((r) => child.stdout.once('data', (c: Buffer) => r(c.toString())));
    assert.ok(JSON.parse(first.split('\n')[0]!).file);
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(err, '', 'no stack trace');
    assert.equal(code, 0);
  });

  it('serve still drains on SIGTERM when its output pipe has gone away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-epipe-'));
    const { child, port: started } = startServe({ REBOUND_ADMIN_TOKEN: 'cli-admin-token-0123456789' }, dir);
    try {
      const port = await started;
      // A request under way (its body still to come) when SIGTERM arrives and "Stopping: draining…"
      // meets a closed stderr.
      child.stderr.destroy();
      child.stdout.destroy();
      const conn = await rawConnection(port);
      const post = tenantPost('cli-admin-token-0123456789', 'Hotel Pipe');
      conn.write(post.head);
      await new Promise((r) => setTimeout(r, 200));
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      conn.write(post.body);
      assert.equal(await exit, 0);
      assert.match(conn.received(), /^HTTP\/1\.1 201 /, 'the request under way was served before the exit');
      conn.destroy();
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits at once with one line when migrating at start fails on PostgreSQL (the pool does not keep it alive)', { skip: !PG_UP && 'PostgreSQL is not available' }, async () => {
    const db = await createPostgresDatabase();
    try {
      const env = { REBOUND_DATABASE_URL: db.url, REBOUND_SECRET_KEY: 'cli-secret-key-0123456789abcdef-0123', REBOUND_ADMIN_TOKEN: 'cli-admin-token-0123456789', REBOUND_HTTP_PORT: '0', REBOUND_SMTP_PORT: '0' };
      assert.equal(run(['migrate'], env).status, 0);
      // The schema is there but its record of migrations is gone: migrating again fails (the tables exist).
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: db.url });
      await c.connect(); await c.query('delete from kysely_migration'); await c.end();
      const started = Date.now();
      const r = run(['serve'], env);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^rebound: cannot start: /);
      assert.ok(Date.now() - started < 6000, `exited after ${Date.now() - started} ms`);
    } finally {
      await db.drop();
    }
  });

  it('says on stderr when a file is larger than the analyser reads, and still gives its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-big-'));
    try {
      const big = join(dir, 'big.eml');
      writeFileSync(big, Buffer.alloc(11 * 1024 * 1024, 'x'));
      const r = run(['parse', '--jsonl', big]);
      assert.equal(r.status, 0);
      assert.equal(JSON.parse(r.stdout).kind, 'unknown');
      assert.match(r.stderr, /big\.eml: larger than 10 MiB, only its start was analysed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains its usage and exits non-zero when parse gets no file', () => {
    const r = run(['parse']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /missing required argument|usage/i);
  });

  it('serves on embedded defaults: generates and prints an admin token, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-serve-'));
    const { child, port: started, output } = startServe({}, dir, /Admin token\s+rb_admin_/);
    try {
      const port = await started;
      assert.match(output(), /NO RELAY CONFIGURED/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
      assert.ok(readdirSync(join(dir, 'data')).includes('rebound.sqlite'));
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with REBOUND_MIGRATE_ON_START=false refuses a schema behind it, changes nothing, and starts once `rebound migrate` has run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-nomigrate-'));
    const env = { REBOUND_DATA_DIR: dir, REBOUND_MIGRATE_ON_START: 'false', REBOUND_HTTP_PORT: '0', REBOUND_SMTP_PORT: '0', REBOUND_LOG_LEVEL: 'warn' };
    const tables = async () => {
      const Sqlite = (await import('better-sqlite3')).default;
      const db = new Sqlite(join(dir, 'rebound.sqlite'));
      try { return (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name); } finally { db.close(); }
    };
    try {
      const refused = run(['serve'], env);
      assert.equal(refused.status, 1, refused.stderr);
      const lines = refused.stderr.trim().split('\n');
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0]!, /schema is behind .*pending migrations: 0001_core, .*rebound migrate/);
      assert.deepEqual(await tables(), [], 'a refused start creates no table');
      // The other commands that open the database refuse the same way.
      const captured = run(['captured'], env);
      assert.equal(captured.status, 1);
      assert.match(captured.stderr, /rebound migrate/);

      const migrated = run(['migrate'], env);
      assert.equal(migrated.status, 0, migrated.stderr);
      assert.match(migrated.stdout, /^Applied: 0001_core, /);
      assert.ok((await tables()).includes('messages'));

      const { child, port: started } = startServe(env);
      try {
        const port = await started;
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        assert.equal(ready.status, 200);
        assert.equal(((await ready.json()) as { checks: Record<string, string> }).checks.migrations, 'ok');
        const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
        child.kill('SIGTERM');
        assert.equal(await exit, 0);
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints one captured message in full by its id, and says so when there is none', async () => {
    const { startRebound, ADMIN, TEST_SECRET, eventually } = await import('../helpers/rebound.ts');
    const rebound = await startRebound();
    try {
      const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel', notificationEmail: 'info@hotel.example.com' } });
      await rebound.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to: 'g@example.net', subject: 'Ihre Buchung 4711', text: 'x' } });
      const env = { REBOUND_DATABASE_URL: rebound.config.databaseUrl, REBOUND_DATA_DIR: rebound.config.dataDir, REBOUND_SECRET_KEY: TEST_SECRET, REBOUND_ADMIN_TOKEN: ADMIN };
      const listed = await eventually(async () => {
        const r = run(['captured', '--json'], env);
        const items = JSON.parse(r.stdout);
        return items.length ? items : null;
      }, 10_000, 'a captured message');
      const raw = run(['captured', '--raw', String(listed[0].id)], env);
      assert.equal(raw.status, 0, raw.stderr);
      assert.match(raw.stdout, /^Subject: Ihre Buchung 4711$/m);
      const none = run(['captured', '--raw', '99999'], env);
      assert.equal(none.status, 1);
      assert.match(none.stderr, /no captured message #99999/);
    } finally {
      await rebound.destroy();
    }
  });

  it("records the README quickstart's sample bounce, with the message's id put in as the README says", async () => {
    const { readFileSync } = await import('node:fs');
    const { startRebound, ADMIN, TEST_SECRET, eventually } = await import('../helpers/rebound.ts');
    const rebound = await startRebound({ env: { REBOUND_NOTIFICATIONS_DOMAIN: 'notifications.localhost' } });
    const dir = mkdtempSync(join(tmpdir(), 'rebound-quickstart-'));
    try {
      const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Alpenblick', notificationEmail: 'rezeption@example.com', language: 'de' } });
      const m = await rebound.api('POST', '/v1/messages', { token: t.body.apiKey, body: { to: 'guest@example.net', subject: 'Ihre Buchung', text: 'Wir freuen uns auf Sie.' } });
      const verp = await eventually(async () => (await rebound.api('GET', `/v1/messages/${m.body.id}`, { token: t.body.apiKey })).body.recipients[0].envelopeFrom, 10_000, 'the return path');
      // sed "s/msg_placeholder/$MSG/" examples/bounces/mailbox-full.eml > bounce.eml
      const file = join(dir, 'bounce.eml');
      writeFileSync(file, readFileSync(resolve('examples/bounces/mailbox-full.eml'), 'latin1').replaceAll('msg_placeholder', m.body.id), 'latin1');
      const env = { REBOUND_DATABASE_URL: rebound.config.databaseUrl, REBOUND_DATA_DIR: rebound.config.dataDir, REBOUND_SECRET_KEY: TEST_SECRET, REBOUND_ADMIN_TOKEN: ADMIN, REBOUND_NOTIFICATIONS_DOMAIN: 'notifications.localhost' };
      const r = run(['ingest', '--rcpt', verp, file], env);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const msg = (await rebound.api('GET', `/v1/messages/${m.body.id}`, { token: t.body.apiKey })).body;
      assert.equal(msg.status, 'bounced');
      assert.equal(msg.recipients[0].reason, 'mailboxfull');
      assert.match(msg.recipients[0].diagnostic, /^552 5\.2\.2 /);
      // As the sample comes, it quotes another message than the return path names: refused.
      const unchanged = run(['ingest', '--rcpt', verp, resolve('examples/bounces/mailbox-full.eml')], env);
      assert.equal(unchanged.status, 1);
    } finally {
      await rebound.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ingests a bounce file that belongs to no message of ours without recording it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebound-ingest-'));
    try {
      const file = join(dir, 'stray.eml');
      writeFileSync(file, 'From: MAILER-DAEMON@example.org\r\nSubject: Undelivered\r\n\r\n550 5.1.1 <x@example.net> User unknown\r\n');
      const r = run(['ingest', '--json', file], { REBOUND_DATA_DIR: join(dir, 'data') }, dir);
      assert.equal(r.status, 1);
      const out = JSON.parse(r.stdout.trim());
      assert.deepEqual(out.matched, []);
      assert.match(out.refused, /not a report about a message sent by this system/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
