import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.ts';
import { createContext, createLogger, start, type Role, type Running } from '../../src/runtime.ts';
import { createPostgresDatabase, type DbKind } from './databases.ts';

export const TEST_SECRET = 'test-secret-key-0123456789abcdef-not-for-production';
export const ADMIN = 'test-admin-token-0123456789';

export interface TestInstance {
  running: Running;
  config: Config;
  baseUrl: string;
  smtpPort: number;
  logs: string[];
  /** Stops the processes but keeps the database (to start again on it). */
  stop(): Promise<void>;
  /** Stops and removes everything. */
  destroy(): Promise<void>;
  restart(): Promise<TestInstance>;
  api(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
}

export interface StartOptions {
  db?: DbKind;
  env?: Record<string, string>;
  role?: Role;
  /** Reuse an existing database (restart). */
  databaseUrl?: string;
  dataDir?: string;
  cleanup?: () => Promise<void>;
}

/** Starts a real Rebound (HTTP, inbound SMTP, worker) on port 0 with its own database. */
export async function startRebound(opts: StartOptions = {}): Promise<TestInstance> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rebound-test-'));
  let databaseUrl = opts.databaseUrl;
  let cleanup = opts.cleanup;
  if (!databaseUrl) {
    if (opts.db === 'postgres') {
      const pg = await createPostgresDatabase();
      databaseUrl = pg.url;
      cleanup = async () => { await pg.drop(); rmSync(dataDir, { recursive: true, force: true }); };
    } else {
      databaseUrl = `sqlite:${join(dataDir, 'rebound.sqlite')}`;
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const env = {
    REBOUND_DATABASE_URL: databaseUrl,
    REBOUND_HTTP_PORT: '0',
    REBOUND_SMTP_PORT: '0',
    REBOUND_ADMIN_TOKEN: ADMIN,
    REBOUND_SECRET_KEY: TEST_SECRET,
    REBOUND_NOTIFICATIONS_DOMAIN: 'notifications.example.com',
    REBOUND_WORKER_POLL_MS: '50',
    REBOUND_LOG_LEVEL: 'info',
    ...opts.env,
  };
  const config = loadConfig(env, { dataDir });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
  const ctx = await createContext(config, { log: createLogger(config.logLevel, sink) });
  const running = await start(ctx, opts.role ?? 'all', { workerConcurrency: 4 });
  const baseUrl = `http://127.0.0.1:${running.httpPort}`;
  let stopped = false;
  const inst: TestInstance = {
    running, config, baseUrl, smtpPort: running.smtp?.port ?? 0, logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.stop();
    },
    async destroy() {
      await inst.stop();
      await cleanup?.();
    },
    async restart() {
      await inst.stop();
      return await startRebound({ ...opts, databaseUrl, dataDir, cleanup });
    },
    async api(method, path, o = {}) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: {
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, body };
    },
  };
  return inst;
}

/** Polls until `check` returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
