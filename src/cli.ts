import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { createContext, createLogger, start, type Role } from './runtime.ts';
import { ingestBounce } from './app/ingest-bounce.ts';
import { capturedRaw, listCaptured } from './app/captured.ts';
import { migrate, openDatabase, SchemaBehindError } from './adapters/db/database.ts';

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The `rebound` command. Returns the exit code; never calls process.exit itself (tests run it in-process). */
export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  let exitCode = 0;
  const program = new Command('rebound')
    .description('Rebound — mail gateway for hotel software: delivers guest mail, analyses bounces, notifies the hotel.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });

  program.command('serve')
    .description('run the HTTP API, the inbound SMTP listener and the delivery worker (embedded defaults: SQLite under ./data/)')
    .option('--role <role>', 'which part this process runs: api | worker | smtp | all', 'all')
    .action(async (opts: { role: string }) => {
      if (!['api', 'worker', 'smtp', 'all'].includes(opts.role)) {
        io.err.write(`rebound: --role must be api, worker, smtp or all (got "${opts.role}")\n`);
        exitCode = 2;
        return;
      }
      exitCode = await serve(opts.role as Role, io);
    });

  program.command('parse')
    .description('analyse bounce messages: one line per file (directories are read recursively)')
    .option('--jsonl', 'one JSON object per line, for programs')
    .argument('<paths...>', 'files or directories')
    .action(async (paths: string[], opts: { jsonl?: boolean }) => {
      const { parseCommand } = await import('./commands/parse.ts');
      exitCode = await parseCommand(paths, { jsonl: Boolean(opts.jsonl) }, io.out, io.err);
    });

  program.command('ingest')
    .description('feed bounce messages (DSN, NDR, auto-reply, ARF) into Rebound as if they had arrived by SMTP')
    .option('--rcpt <address>', 'the envelope recipient it was sent to (a bounces+…@ VERP address, or bounces@)')
    .option('--json', 'print the result as JSON')
    .argument('<files...>', '.eml files')
    .action(async (files: string[], opts: { rcpt?: string; json?: boolean }) => {
      exitCode = await withContext(io, async (ctx) => {
        let failed = 0;
        for (const file of files) {
          let raw: Buffer;
          try {
            raw = await readFile(file);
          } catch (e) {
            io.err.write(`rebound: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
            failed++;
            continue;
          }
          const rcpt = opts.rcpt ?? `bounces@${ctx.config.notificationsDomain}`;
          const result = await ingestBounce(ctx, raw, { from: '', to: [rcpt] });
          if (result.matched.length === 0) failed++;
          if (opts.json) io.out.write(JSON.stringify({ file, ...result }) + '\n');
          else if (result.matched.length === 0) io.out.write(`${file}: ${result.kind}, not recorded — ${result.refused}\n`);
          else for (const m of result.matched) {
            io.out.write(`${file}: ${result.kind} → message ${m.messageId}, recipient ${m.recipientId}: ${m.duplicate ? 'already recorded' : m.applied ? `recorded as ${m.type}` : `event ${m.type} recorded (status unchanged)`}\n`);
          }
        }
        // Let the worker of a running `rebound serve` send the notifications; a one-off ingest only records.
        return failed > 0 ? 1 : 0;
      });
    });

  program.command('captured')
    .description('show the local capture mailbox (outbound mail kept on this machine when no relay is configured)')
    .option('--limit <n>', 'how many, newest first', '10')
    .option('--raw <id>', 'print one captured message in full')
    .option('--json', 'JSON output')
    .action(async (opts: { limit: string; raw?: string; json?: boolean }) => {
      exitCode = await withContext(io, async (ctx) => {
        if (opts.raw) {
          const raw = /^\d+$/.test(opts.raw) ? await capturedRaw(ctx, Number(opts.raw)) : null;
          if (raw === null) { io.err.write(`rebound: no captured message #${opts.raw}\n`); return 1; }
          io.out.write(raw);
          return 0;
        }
        const items = await listCaptured(ctx, Math.min(Math.max(Number(opts.limit) || 10, 1), 500), false);
        if (opts.json) { io.out.write(JSON.stringify(items) + '\n'); return 0; }
        if (items.length === 0) io.out.write('The capture mailbox is empty.\n');
        for (const i of items) io.out.write(`#${i.id}  ${i.createdAt}  to ${i.envelopeTo}  return-path <${i.envelopeFrom}>\n     ${i.subject ?? '(no subject)'}\n`);
        return 0;
      });
    });

  program.command('rotate-secret-key')
    .description('re-encrypt every stored password under the current REBOUND_SECRET_KEY (put the old key in REBOUND_PREVIOUS_SECRET_KEYS first)')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => {
      exitCode = await withContext(io, async (ctx) => {
        const { resealSecrets } = await import('./app/tenants.ts');
        const r = await resealSecrets(ctx);
        if (opts.json) io.out.write(JSON.stringify(r) + '\n');
        else {
          io.out.write(`Re-encrypted ${r.secrets} stored password(s) of ${r.tenants} hotel(s) under the current key.\n`);
          if (r.failed.length) io.out.write(`Could not open the stored passwords of: ${r.failed.join(', ')} (is the old key in REBOUND_PREVIOUS_SECRET_KEYS?)\n`);
          else if (ctx.previousKeys.length) io.out.write('All stored secrets now use the current key; REBOUND_PREVIOUS_SECRET_KEYS can be removed.\n');
        }
        return r.failed.length ? 1 : 0;
      });
    });

  program.command('migrate')
    .description('create or upgrade the database schema (also done at start unless REBOUND_MIGRATE_ON_START=false)')
    .action(async () => {
      exitCode = await withConfig(io, async (config) => {
        const db = await openDatabase(config.databaseUrl);
        try {
          const done = await migrate(db);
          io.out.write(done.length ? `Applied: ${done.join(', ')}\n` : 'The schema is up to date.\n');
        } finally {
          await db.close();
        }
        return 0;
      });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return exitCode;
}

/** One line for the operator: what failed and which setting to look at. */
function describeStartError(e: unknown, config: ReturnType<typeof loadConfig>): string {
  if (e instanceof SchemaBehindError) return e.message;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const code = err.code ?? '';
  const where = err.port !== undefined ? `${err.address ?? ''}:${err.port}` : '';
  const variable = err.port === config.smtpPort && config.smtpPort !== 0 ? 'REBOUND_SMTP_PORT / REBOUND_SMTP_HOST' : 'REBOUND_HTTP_PORT / REBOUND_HTTP_HOST';
  if (code === 'EADDRINUSE') return `${where} is already in use (${variable})`;
  if (code === 'EADDRNOTAVAIL') return `${where} is not an address of this machine (${variable})`;
  if (code === 'EACCES' && err.syscall === 'listen') return `no permission to listen on ${where} (${variable}; ports below 1024 need privileges)`;
  if (code === 'ENOTFOUND' && err.syscall === 'getaddrinfo') return `host name "${err.hostname}" does not resolve (REBOUND_HTTP_HOST / REBOUND_SMTP_HOST, or the host in REBOUND_DATABASE_URL)`;
  const message = (err.message ?? String(e)).split('\n')[0]!;
  if (config.databaseUrl.startsWith('postgres')) return `database: ${message} (REBOUND_DATABASE_URL)`;
  if (code === 'SQLITE_CANTOPEN' || /sqlite|database/i.test(message)) return `database: ${message} (REBOUND_DATABASE_URL)`;
  return message;
}

async function withConfig(io: Io, fn: (config: ReturnType<typeof loadConfig>) => Promise<number>): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) { io.err.write(`rebound: configuration error: ${e.message}\n`); return 78; }
    throw e;
  }
  return await fn(config);
}

async function withContext(io: Io, fn: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<number>): Promise<number> {
  return await withConfig(io, async (config) => {
    let ctx: Awaited<ReturnType<typeof createContext>>;
    try {
      ctx = await createContext(config, { log: createLogger('warn', io.err) });
    } catch (e) {
      if (e instanceof SchemaBehindError) { io.err.write(`rebound: ${e.message}\n`); return 1; }
      throw e;
    }
    try {
      return await fn(ctx);
    } finally {
      await ctx.routes.close();
      await ctx.composer.close();
      await ctx.db.close();
    }
  });
}

async function serve(role: Role, io: Io): Promise<number> {
  return await withConfig(io, async (config) => {
    const log = createLogger(config.logLevel);
    let ctx: Awaited<ReturnType<typeof createContext>> | null = null;
    let running: Awaited<ReturnType<typeof start>>;
    try {
      ctx = await createContext(config, { log });
      running = await start(ctx, role);
    } catch (e) {
      io.err.write(`rebound: cannot start: ${describeStartError(e, config)}\n`);
      await ctx?.db.close().catch(() => {});
      return 1;
    }
    const say = (s: string) => io.err.write(s + '\n');
    say(`Rebound is running (role: ${role}).`);
    if (running.httpPort !== null) say(`  HTTP API        http://${config.httpHost}:${running.httpPort}   (OpenAPI: /openapi.json)`);
    if (running.opsPort !== null) say(`  Operations      http://${config.httpHost}:${running.opsPort}   (/healthz, /readyz, /metrics)`);
    if (running.smtp) say(`  Inbound SMTP    ${config.smtpHost}:${running.smtp.port}   for bounces to @${config.notificationsDomain}`);
    say(`  Database        ${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
    if (!config.relayUrl) say('  Outbound mail   NO RELAY CONFIGURED — mail is kept in the local capture mailbox, nothing leaves this machine (see `rebound captured`; set REBOUND_RELAY_URL to send).');
    else say(`  Outbound mail   relay ${config.relayUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
    if (config.adminTokenGenerated) say(`  Admin token     ${config.adminToken}   (${config.adminTokenNew ? 'generated, stored in' : 'from'} ${config.dataDir}/admin-token)`);
    if (config.secretKeyGenerated) say(`  Secret key      ${config.secretKeyNew ? 'generated, stored in' : 'from'} ${config.dataDir}/secret-key (set REBOUND_SECRET_KEY in production)`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    say('Stopping: draining in-flight work…');
    await running.stop();
    return 0;
  });
}
