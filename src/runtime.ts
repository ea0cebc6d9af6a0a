import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import type { AppContext } from './app/context.ts';
import { openDatabase, migrate, pendingMigrations, SchemaBehindError, type Db } from './adapters/db/database.ts';
import { deriveKeys } from './security/keys.ts';
import { Routes } from './adapters/transports/routes.ts';
import { createComposer } from './adapters/mime/composer.ts';
import { buildHttpServer } from './adapters/http/server.ts';
import { OPS_ROUTES } from './adapters/http/routes/index.ts';
import { startInboundSmtp, type InboundListener } from './adapters/smtp-in/server.ts';
import { startWorker, type Worker } from './app/worker.ts';
import { createMetrics } from './app/metrics.ts';
import { startRetention, type RetentionJob } from './app/retention.ts';
import type { FastifyInstance } from 'fastify';

import { startImapWatchers } from './app/imap-watchers.ts';

export type Role = 'api' | 'worker' | 'smtp' | 'all';

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({
    level,
    // Secrets never reach a log line, whatever a caller passes.
    redact: { paths: ['password', '*.password', 'apiKey', '*.apiKey', 'authorization', '*.authorization', 'secret', '*.secret'], censor: '[redacted]' },
  }, destination as pino.DestinationStream | undefined);
}

export async function createContext(config: Config, opts: { log?: Logger; db?: Db; now?: () => Date; migrate?: boolean } = {}): Promise<AppContext> {
  const db = opts.db ?? await openDatabase(config.databaseUrl);
  // REBOUND_MIGRATE_ON_START=false: the operator migrates once per release (`rebound migrate`, with a
  // role that may change the schema); a process never changes the schema itself, and refuses to run
  // on one that lacks a migration of its version.
  try {
    if (opts.migrate ?? config.migrateOnStart) await migrate(db);
    else if (opts.migrate === undefined) {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) throw new SchemaBehindError(pending);
    }
  } catch (e) {
    // A database this call opened is closed again: an open PostgreSQL pool would keep the process
    // alive after its one-line error.
    if (!opts.db) await db.close().catch(() => {});
    throw e;
  }
  const now = opts.now ?? (() => new Date());
  const keys = deriveKeys(config.secretKey);
  const previousKeys = config.previousSecretKeys.map(deriveKeys);
  const ctx: AppContext = {
    db,
    config,
    keys,
    previousKeys,
    log: opts.log ?? createLogger(config.logLevel),
    now,
    routes: new Routes(config, db, now, [keys, ...previousKeys]),
    composer: createComposer(config.composeThreads),
    wake: () => {},
    metrics: createMetrics(),
    listeners: { http: null, smtp: null, worker: null },
  };
  return ctx;
}

export interface Running {
  ctx: AppContext;
  http: FastifyInstance | null;
  httpPort: number | null;
  /** Worker/smtp processes with REBOUND_OPS_PORT: the port of their /healthz, /readyz, /metrics. */
  opsPort: number | null;
  smtp: InboundListener | null;
  worker: Worker | null;
  stop(): Promise<void>;
}

/** Listens and answers the port actually bound (port 0 picks a free one). */
async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

/** Starts the parts of Rebound this process runs. */
export async function start(ctx: AppContext, role: Role = 'all', opts: { workerConcurrency?: number } = {}): Promise<Running> {
  let http: FastifyInstance | null = null;
  let httpPort: number | null = null;
  let ops: FastifyInstance | null = null;
  let opsPort: number | null = null;
  let smtp: InboundListener | null = null;
  let worker: Worker | null = null;
  let retention: RetentionJob | null = null;
  let imap: ReturnType<typeof startImapWatchers> | null = null;
  const listeners = ctx.listeners ??= { http: null, smtp: null, worker: null };
  // Listeners first: if a port is taken, nothing has started working yet and start-up fails cleanly.
  try {
    if (role === 'all' || role === 'smtp') {
      listeners.smtp = false;
      smtp = await startInboundSmtp(ctx, { host: ctx.config.smtpHost, port: ctx.config.smtpPort });
      listeners.smtp = true;
    }
    if (role === 'all' || role === 'api') {
      listeners.http = false;
      http = await buildHttpServer(ctx);
      httpPort = await listen(http, ctx.config.httpHost, ctx.config.httpPort);
      listeners.http = true;
    }
    if (role !== 'all' && role !== 'api' && ctx.config.opsPort !== null) {
      // A process without the API can still be probed and scraped: the operations routes only.
      ops = await buildHttpServer(ctx, { routes: OPS_ROUTES });
      opsPort = await listen(ops, ctx.config.httpHost, ctx.config.opsPort);
    }
  } catch (e) {
    await ops?.close().catch(() => {});
    await http?.close().catch(() => {});
    await smtp?.close().catch(() => {});
    throw e;
  }
  if (role === 'all' || role === 'worker') {
    worker = startWorker(ctx, { concurrency: opts.workerConcurrency ?? ctx.config.workerConcurrency });
    ctx.wake = () => worker!.wake();
    listeners.worker = true;
    // Bodies past REBOUND_RETENTION_DAYS are removed by whichever worker runs the job (it is idempotent).
    retention = startRetention(ctx);
    imap = startImapWatchers(ctx, ctx.config.imapPollSeconds * 1000);
  }
  return {
    ctx, http, httpPort, opsPort, smtp, worker,
    async stop() {
      // Stop taking new work first, then drain what is in flight, then close the database.
      if (listeners.smtp) listeners.smtp = false;
      if (listeners.worker) listeners.worker = false;
      await http?.close();
      await smtp?.close();
      await retention?.stop();
      await imap?.stop();
      if (worker) {
        // Sends in flight are finished and recorded — within REBOUND_DRAIN_SECONDS (orchestrators give
        // a grace period, then SIGKILL). Past it, connections still sending are cut: those sends fail
        // as network errors and their recipients are retried later (same Message-ID), never lost.
        const drained = worker.stop();
        let timer: NodeJS.Timeout | undefined;
        const late = ctx.config.drainMs > 0 ? new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), ctx.config.drainMs); }) : null;
        if (late && await Promise.race([drained, late]) === 'late') {
          ctx.log.warn({ drainSeconds: ctx.config.drainMs / 1000 }, 'drain deadline reached: cutting connections still sending; those recipients will be retried');
          await ctx.routes.close();
        }
        clearTimeout(timer);
        await drained;
      }
      // The operations port answers (readyz: stopping) until the drain is over.
      await ops?.close();
      await ctx.routes.close();
      await ctx.composer.close();
      await ctx.db.close();
    },
  };
}
