/**
 * `npm run bench [-- --n 20000] [--warmup 2000] [--ingest-n N] [--repeat R] [--only ceiling,sqlite,pg1,pg2,ingest]`
 *
 * Send pipeline: N messages through POST /v1/messages to delivery into a local SMTP sink (a separate
 * process), end to end, on SQLite (one `serve --role all` process) and on PostgreSQL (one API process
 * and 1 or 2 worker processes). Beside it, in the same run, the ceiling: nodemailer sending the same
 * messages straight to the same sink, no database, at the workers' concurrency. Bounce ingest: N DSNs
 * through the inbound SMTP listener to stored events and queued notifications. Peak RSS (VmHWM) of
 * every process. Loopback only.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import nodemailer from 'nodemailer';
import { loadConfig } from '../src/config.ts';
import { createContext, createLogger } from '../src/runtime.ts';
import { createTenant } from '../src/app/tenants.ts';
import { composeMessage } from '../src/app/send-message.ts';
import { verpAddress } from '../src/security/verp.ts';
import { newId } from '../src/domain/ids.ts';
import { createPostgresDatabase, postgresAvailable } from '../test/helpers/databases.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : fallback; };
const N = Number(arg('n', '20000'));
const INGEST_N = Number(arg('ingest-n', String(N)));
/** Each row is measured this many times (the ceiling again in every round); the table shows medians. */
const REPEAT = Number(arg('repeat', '1'));
/**
 * Messages sent through each row before its clock starts, and not counted: the ceiling and the pipeline
 * are compared in steady state, as a long-running server runs, not while V8 is still compiling their
 * hot paths. Rebound's processes are new in every row, the ceiling's nodemailer runs in this process,
 * so without it the ceiling was cold in round 1 only and warm after, the pipeline cold in every round.
 */
const WARMUP = Number(arg('warmup', '2000'));
const ONLY = new Set(arg('only', 'ceiling,sqlite,pg1,pg2,ingest').split(','));
const CONCURRENCY = Number(process.env.REBOUND_WORKER_CONCURRENCY ?? 8); // REBOUND_WORKER_CONCURRENCY default; the ceiling uses the same
const API_CLIENTS = 32;
const ADMIN = 'bench-admin-token-0123456789';
const SECRET = 'bench-secret-key-0123456789abcdef-not-for-production';
const DOMAIN = 'notifications.example.com';

interface Row { name: string; msgsPerS: number; ratio?: number; p50?: number; p99?: number; rss: string; note?: string }
const rows: Row[] = [];

function peakRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try { return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024; } catch { return 0; }
}
/** CPU seconds (user + system) a child has used so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return 0; }
}
const ownCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };

async function startSink(): Promise<{ child: ChildProcess; port: number; count(): Promise<{ deliveries: number; distinct: number; lastAt: number }>; reset(): Promise<void> }> {
  const child = fork(join(root, 'bench', 'sink.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m: any) => r(m.port)));
  const ask = <T>(cmd: string) => new Promise<T>((r) => { child.once('message', (m: any) => r(m)); child.send({ cmd }); });
  return { child, port, count: () => ask('count'), reset: async () => { await ask('reset'); } };
}

function spawnRebound(role: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string | null; smtpPort: number | null }> {
  // BENCH_CHILD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the Rebound processes.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'rebound.js'), 'serve', '--role', role], {
    env: { ...process.env, REBOUND_HTTP_PORT: '0', REBOUND_SMTP_PORT: '0', REBOUND_ADMIN_TOKEN: ADMIN, REBOUND_SECRET_KEY: SECRET, REBOUND_NOTIFICATIONS_DOMAIN: DOMAIN, REBOUND_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (process.env.BENCH_CHILD_STDERR) process.stderr.write(c);
      if (err.includes('Rebound is running') && /Database/.test(err)) {
        resolve({ child, url: /HTTP API\s+(http:\/\/\S+)/.exec(err)?.[1] ?? null, smtpPort: Number(/Inbound SMTP\s+\S+:(\d+)/.exec(err)?.[1]) || null });
      }
    });
    child.on('exit', (code) => reject(new Error(`rebound ${role} exited ${code}: ${err}`)));
  });
}

async function stopAll(children: ChildProcess[]) {
  await Promise.all(children.map((c) => new Promise<void>((r) => { if (c.exitCode !== null) return r(); c.once('exit', () => r()); c.kill('SIGTERM'); })));
}

const sampleBody = (i: number) => ({
  to: `guest-${i}@example.net`, subject: `Ihre Buchungsbestätigung ${i}`,
  text: `Guten Tag,\n\nwir bestätigen Ihre Buchung Nr. ${i} vom 12. bis 15. März.\n\n`.repeat(8),
  reference: `booking-${i}`,
});

async function ceiling(sink: Awaited<ReturnType<typeof startSink>>) {
  await sink.reset();
  // The same messages as the pipeline builds them, composed beforehand: this measures only the sending.
  const ctx = await createContext(loadConfig({ REBOUND_DATABASE_URL: 'sqlite::memory:', REBOUND_ADMIN_TOKEN: ADMIN, REBOUND_SECRET_KEY: SECRET, REBOUND_NOTIFICATIONS_DOMAIN: DOMAIN }, { dataDir: mkdtempSync(join(tmpdir(), 'rb-bench-')) }), { log: createLogger('silent') });
  const { tenant } = await createTenant(ctx, { name: 'Hotel Bench', notificationEmail: 'rezeption@hotel.example.com', language: 'de', sender: {}, route: { type: 'relay' } });
  const raws: Buffer[] = [];
  for (let i = 0; i < N + WARMUP; i++) raws.push(await composeMessage(ctx, tenant, sampleBody(i) as any, `<${newId('msg')}@${DOMAIN}>`, new Date()));
  await ctx.db.close();
  // Pooled connections, one per lane, as Rebound's relay transport sends.
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: CONCURRENCY, maxMessages: 1000 });
  const sendRange = async (from: number, to: number) => {
    let next = from;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) { const i = next++; await transport.sendMail({ envelope: { from: `bounces+x@${DOMAIN}`, to: [`guest-${i}@example.net`] }, raw: raws[i]! }); }
    }));
  };
  await sendRange(N, N + WARMUP);
  await sink.reset();
  const cpu0 = { sink: cpuSeconds(sink.child.pid), bench: ownCpu() };
  const t0 = performance.now();
  await sendRange(0, N);
  const s = (performance.now() - t0) / 1000;
  transport.close();
  const cpu = `CPU ms/msg: nodemailer ${((ownCpu() - cpu0.bench) * 1000 / N).toFixed(2)}, sink ${((cpuSeconds(sink.child.pid) - cpu0.sink) * 1000 / N).toFixed(2)}`;
  rows.push({ name: `ceiling: nodemailer → sink, no database (${CONCURRENCY} parallel)`, msgsPerS: N / s, rss: `bench ${peakRssMb(process.pid).toFixed(0)}`, note: cpu });
  return N / s;
}

/**
 * The load generator shares the 2 cores with Rebound, so it must be lean: global fetch (undici) cost
 * 1.7 ms of CPU per request here, node:http over keep-alive connections 0.2–0.3 ms, and this — one
 * keep-alive socket per client, the requests serialised before the clock starts, the answer read
 * from its status line and Content-Length (fastify always sends one) — less again. The ceiling has no
 * load generator at all; every CPU millisecond spent here is taken from Rebound.
 */
class Client {
  private readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve(status: number): void; reject(e: Error): void } | null = null;
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => { this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk; this.parse(); });
    socket.on('error', (e) => this.waiting?.reject(e));
    socket.on('close', () => this.waiting?.reject(new Error('the API closed the connection')));
  }
  static connect(url: URL): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }
  request(raw: Buffer): Promise<number> {
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; this.socket.write(raw); });
  }
  close(): void { this.socket.destroy(); }
  private parse(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buffer.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
    if (Number.isNaN(length)) { this.waiting.reject(new Error(`no Content-Length in ${head.split('\r\n')[0]}`)); return; }
    if (this.buffer.length < end + 4 + length) return;
    this.buffer = this.buffer.subarray(end + 4 + length);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(Number(head.slice(9, 12)));
  }
}
const requestBytes = (url: URL, apiKey: string, body: string) => Buffer.from(
  `POST /v1/messages HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

async function pipeline(name: string, sink: Awaited<ReturnType<typeof startSink>>, kind: 'sqlite' | 'pg', workers: number, ceilingRate: number) {
  await sink.reset();
  const dataDir = mkdtempSync(join(tmpdir(), 'rb-bench-'));
  let dropPg: (() => Promise<void>) | null = null;
  let url: string;
  if (kind === 'pg') { const pg = await createPostgresDatabase(); url = pg.url; dropPg = pg.drop; } else url = `sqlite:${join(dataDir, 'rebound.sqlite')}`;
  const env = { REBOUND_DATABASE_URL: url, REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}`, REBOUND_DATA_DIR: dataDir, REBOUND_WORKER_CONCURRENCY: String(CONCURRENCY) };
  const procs: { role: string; child: ChildProcess }[] = [];
  let baseUrl: string;
  if (kind === 'sqlite') {
    const all = await spawnRebound('all', env);
    procs.push({ role: 'all', child: all.child });
    baseUrl = all.url!;
  } else {
    const api = await spawnRebound('api', env); // migrates first
    procs.push({ role: 'api', child: api.child });
    baseUrl = api.url!;
    for (let w = 0; w < workers; w++) procs.push({ role: 'worker', child: (await spawnRebound('worker', env)).child });
  }
  const tenant = await (await fetch(`${baseUrl}/v1/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Hotel Bench', notificationEmail: 'rezeption@hotel.example.com' }) })).json() as { apiKey: string };
  const latencies: number[] = [];
  const api = new URL(baseUrl);
  const requests = Array.from({ length: N + WARMUP }, (_, i) => requestBytes(api, tenant.apiKey, JSON.stringify(sampleBody(i))));
  const clients = await Promise.all(Array.from({ length: API_CLIENTS }, () => Client.connect(api)));
  const post = async (from: number, to: number, timed: boolean) => {
    let next = from;
    await Promise.all(clients.map(async (client) => {
      while (next < to) {
        const i = next++;
        const s = performance.now();
        const status = await client.request(requests[i]!);
        if (status !== 202) throw new Error(`POST /v1/messages answered ${status}`);
        if (timed) latencies.push(performance.now() - s);
      }
    }));
  };
  // The warm-up's messages are delivered before the clock starts, then forgotten by the sink.
  if (WARMUP > 0) {
    await post(N, N + WARMUP, false);
    while ((await sink.count()).distinct < WARMUP) await new Promise((r) => setTimeout(r, 50));
    await sink.reset();
  }
  const cpu0 = { procs: procs.map((p) => cpuSeconds(p.child.pid)), sink: cpuSeconds(sink.child.pid), bench: ownCpu() };
  const t0 = performance.now();
  const wall0 = Date.now();
  await post(0, N, true);
  for (const client of clients) client.close();
  const acceptedS = (performance.now() - t0) / 1000;
  let c = await sink.count();
  while (c.distinct < N) { await new Promise((r) => setTimeout(r, 100)); c = await sink.count(); }
  const s = (c.lastAt - wall0) / 1000;
  // CPU per message of each process over the run: on 2 cores the load generator and the sink compete with Rebound.
  const perMsg = (sec: number) => ((sec * 1000) / N).toFixed(2);
  const cpu = procs.map((p, i) => `${p.role} ${perMsg(cpuSeconds(p.child.pid) - cpu0.procs[i]!)}`).join(', ')
    + `, sink ${perMsg(cpuSeconds(sink.child.pid) - cpu0.sink)}, load generator ${perMsg(ownCpu() - cpu0.bench)}`;
  const rss = procs.map((p) => `${p.role} ${peakRssMb(p.child.pid).toFixed(0)}`).join(', ') + `, sink ${peakRssMb(sink.child.pid).toFixed(0)}`;
  await stopAll(procs.map((p) => p.child));
  await dropPg?.();
  rmSync(dataDir, { recursive: true, force: true });
  rows.push({ name, msgsPerS: N / s, ratio: (N / s / ceilingRate) * 100, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), rss, note: `API accepted ${(N / acceptedS).toFixed(0)}/s; ${c.deliveries - c.distinct} duplicates; CPU ms/msg: ${cpu}` });
}

function dsn(verp: string, recipient: string, messageId: string): string {
  return [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)', `To: ${verp}`, 'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"', '',
    '--B', 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
    '--B', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.net', '',
    `Final-Recipient: rfc822; ${recipient}`, 'Action: failed', 'Status: 5.1.1', 'Remote-MTA: dns; mx.example.net',
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown in virtual mailbox table`, '',
    '--B', 'Content-Type: text/rfc822-headers', '', `Message-ID: ${messageId}`, `To: ${recipient}`, 'Subject: Ihre Buchung', '', '--B--', '',
  ].join('\r\n');
}

async function ingest() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rb-bench-'));
  const url = `sqlite:${join(dataDir, 'rebound.sqlite')}`;
  const config = loadConfig({ REBOUND_DATABASE_URL: url, REBOUND_ADMIN_TOKEN: ADMIN, REBOUND_SECRET_KEY: SECRET, REBOUND_NOTIFICATIONS_DOMAIN: DOMAIN }, { dataDir });
  const ctx = await createContext(config, { log: createLogger('silent') });
  const { tenant } = await createTenant(ctx, { name: 'Hotel Bench', notificationEmail: 'rezeption@hotel.example.com', language: 'de', sender: {}, route: { type: 'relay' } });
  // Seed N sent messages, one recipient each, directly (the send pipeline is measured above).
  const targets: { verp: string; address: string; messageId: string }[] = [];
  const at = new Date().toISOString();
  for (let b = 0; b < INGEST_N; b += 500) {
    await ctx.db.kysely.transaction().execute(async (trx) => {
      const messages = []; const recipients = [];
      for (let i = b; i < Math.min(INGEST_N, b + 500); i++) {
        const id = newId('msg'); const rid = newId('rcp'); const address = `guest-${i}@example.net`; const header = `<${id}@${DOMAIN}>`;
        messages.push({ id, tenant_id: tenant.id, message_id_header: header, idempotency_key: null, request_hash: null, subject: `Ihre Buchung ${i}`, from_header: 'Hotel Bench <no-reply@notifications.example.com>', reference: null, metadata_json: '{}', route_kind: 'relay', status: 'sent', created_at: at, updated_at: at, content_deleted_at: null });
        recipients.push({ id: rid, message_id: id, tenant_id: tenant.id, address, kind: 'to', status: 'sent', attempts: 1, next_attempt_at: null, lease_until: null, first_attempt_at: at, envelope_from: null, reply_code: '250', status_code: null, reason: null, diagnostic: null, remote_mta: null, updated_at: at });
        targets.push({ verp: verpAddress(ctx.keys.verp, rid, DOMAIN), address, messageId: header });
      }
      await trx.insertInto('messages').values(messages).execute();
      await trx.insertInto('recipients').values(recipients).execute();
    });
  }
  const smtp = await spawnRebound('smtp', { REBOUND_DATABASE_URL: url, REBOUND_DATA_DIR: dataDir });
  const raws = targets.map((t) => dsn(t.verp, t.address, t.messageId));
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.smtpPort!, secure: false, ignoreTLS: true, pool: true, maxConnections: CONCURRENCY, maxMessages: Infinity });
  const cpu0 = { smtp: cpuSeconds(smtp.child.pid), bench: ownCpu() };
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY * 2 }, async () => {
    while (next < INGEST_N) { const i = next++; await transport.sendMail({ envelope: { from: '', to: [targets[i]!.verp] }, raw: raws[i]! }); }
  }));
  const s = (performance.now() - t0) / 1000;
  const cpu = `CPU ms/DSN: smtp ${((cpuSeconds(smtp.child.pid) - cpu0.smtp) * 1000 / INGEST_N).toFixed(2)}, sender ${((ownCpu() - cpu0.bench) * 1000 / INGEST_N).toFixed(2)}`;
  transport.close();
  const events = await ctx.db.kysely.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', 'bounced').executeTakeFirst();
  const notes = await ctx.db.kysely.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst();
  const rss = `smtp ${peakRssMb(smtp.child.pid).toFixed(0)}`;
  await stopAll([smtp.child]);
  await ctx.db.close();
  rmSync(dataDir, { recursive: true, force: true });
  rows.push({ name: `bounce ingest, SQLite: ${INGEST_N} DSNs via inbound SMTP (${CONCURRENCY} connections)`, msgsPerS: INGEST_N / s, rss, note: `${events?.n} bounce events, ${notes?.n} notifications queued; ${cpu}; goal ≥ 1000/s` });
}

const sink = await startSink();
console.error(`bench: N=${N}, ${cpus().length} CPUs, Node ${process.version}`);
const pg = await postgresAvailable();
if (!pg) console.error('PostgreSQL not available: PostgreSQL rows skipped');
const load: string[] = [];
for (let round = 1; round <= REPEAT; round++) {
  if (REPEAT > 1) console.error(`round ${round} of ${REPEAT}`);
  load.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
  let ceilingRate = 0;
  if (ONLY.has('ceiling') || ONLY.has('sqlite') || ONLY.has('pg1') || ONLY.has('pg2')) { console.error('… ceiling'); ceilingRate = await ceiling(sink); }
  if (ONLY.has('sqlite')) { console.error('… SQLite'); await pipeline('send pipeline, SQLite (one process, role all)', sink, 'sqlite', 1, ceilingRate); }
  if (pg && ONLY.has('pg1')) { console.error('… PostgreSQL, 1 worker'); await pipeline('send pipeline, PostgreSQL (API + 1 worker)', sink, 'pg', 1, ceilingRate); }
  if (pg && ONLY.has('pg2')) { console.error('… PostgreSQL, 2 workers'); await pipeline('send pipeline, PostgreSQL (API + 2 workers)', sink, 'pg', 2, ceilingRate); }
  if (ONLY.has('ingest')) { console.error('… bounce ingest'); await ingest(); }
}
sink.child.disconnect();

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
console.log(`\nRebound benchmark — N=${N} after a warm-up of ${WARMUP} per row, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}${REPEAT > 1 ? `, medians of ${REPEAT} rounds (the ceiling measured again in each; ratio = median of the rounds' ratios)` : ''}; load average at the start of each round: ${load.join(' | ')}\n`);
console.log('| run | msg/s | of ceiling | API p50 ms | API p99 ms | peak RSS MB | note |');
console.log('|---|---:|---:|---:|---:|---|---|');
for (const name of [...new Set(rows.map((r) => r.name))]) {
  const runs = rows.filter((r) => r.name === name);
  // The round with the median rate supplies the memory and the note.
  const mid = [...runs].sort((a, b) => a.msgsPerS - b.msgsPerS)[Math.floor((runs.length - 1) / 2)]!;
  const ratios = runs.map((r) => r.ratio).filter((x): x is number => x !== undefined);
  const p50s = runs.map((r) => r.p50).filter((x): x is number => x !== undefined);
  const p99s = runs.map((r) => r.p99).filter((x): x is number => x !== undefined);
  const each = runs.length > 1 ? `rounds: ${runs.map((r) => `${r.msgsPerS.toFixed(0)}${r.ratio !== undefined ? ` (${r.ratio.toFixed(0)} %)` : ''}`).join(', ')}; ` : '';
  console.log(`| ${name} | ${median(runs.map((r) => r.msgsPerS)).toFixed(0)} | ${ratios.length ? `${median(ratios).toFixed(0)} %` : ''} | ${p50s.length ? median(p50s).toFixed(1) : ''} | ${p99s.length ? median(p99s).toFixed(1) : ''} | ${mid.rss} | ${each}${mid.note ?? ''} |`);
}
