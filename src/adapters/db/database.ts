import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './schema.ts';
import { InCodeMigrationProvider, migrations } from './migrations.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /**
   * Runs `fn` in a transaction and resolves once it is committed. Transactions asked for while the
   * previous group was being written share one transaction and one commit (group commit); every
   * caller is answered only after that COMMIT. On SQLite each runs inside a savepoint of its own, so
   * one that throws is rolled back alone and only its caller sees the error; a commit (writing the
   * WAL) was the largest single cost per message. On PostgreSQL (where a savepoint is a round trip)
   * a group in which any transaction throws — an error, a deadlock with another process — is rolled
   * back as a whole and each of its transactions is run again on its own, so every caller still gets
   * exactly its own result. `fn` may therefore run twice; it must only touch the database.
   */
  write<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * One statement as plain SQL with `?` placeholders (written to run on both databases), on `on` — a
   * transaction of `write`, or `kysely` itself outside one. For hot paths: it skips kysely's query
   * building and compiling (a third of the bounce ingest's CPU). On SQLite the statement runs at once
   * on the one connection (prepared once, cached); on PostgreSQL through `on`'s connection.
   */
  query<R = Record<string, unknown>>(on: Kysely<Database> | Transaction<Database>, sqlText: string, params: readonly unknown[]): Promise<QueryResult<R>>;
  close(): Promise<void>;
}

export interface QueryResult<R> {
  rows: R[];
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** Opens SQLite (`sqlite:<file>` or `sqlite::memory:`) or PostgreSQL (`postgres://…`). */
export async function openDatabase(url: string): Promise<Db> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pg = await import('pg');
    const Pool = pg.default.Pool;
    const pool = new Pool({ connectionString: url, max: 10 });
    // An idle pooled connection can be cut by the server (restart, failover, pg_terminate_backend); pg
    // then emits 'error' on the pool, which would crash the process if nobody listened. The pool drops
    // that client and the next query opens a new connection, so noting it is enough.
    pool.on('error', (e) => { process.emitWarning(`PostgreSQL idle connection lost: ${e.message}`, { code: 'REBOUND_DB_IDLE_ERROR' }); });
    // The hot path's statements (those run through `query`) are named prepared statements: each
    // connection parses and plans them once instead of at every execution (kysely's driver sends every
    // statement unnamed). Everything else runs as kysely sends it.
    const prepared = new Map<string, string>();
    const preparing = new WeakSet<object>();
    const kysely = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: {
          connect: async () => {
            const client = await pool.connect();
            if (!preparing.has(client)) {
              preparing.add(client);
              // pg-pool listens for errors only on idle clients: a connection cut while checked out
              // (pg_terminate_backend, a server restart or failover under load) emits 'error' on the
              // client, which crashed the process when nobody listened. The query running on it fails
              // with the error (the request answers 5xx, nothing half-written is committed), and the
              // pool discards the client when it is released.
              client.on('error', (e: Error) => { process.emitWarning(`PostgreSQL connection lost: ${e.message}`, { code: 'REBOUND_DB_CONNECTION_ERROR' }); });
              const plain = client.query.bind(client) as (...a: unknown[]) => unknown;
              const send = (text: unknown, values?: unknown) => {
                const name = typeof text === 'string' ? prepared.get(text) : undefined;
                return name ? plain({ name, text, values }) : plain(text, values);
              };
              (client as { query: unknown }).query = process.env.REBOUND_SQL_PROFILE ? (text: unknown, values?: unknown) => {
                // Round trips, not only time: on PostgreSQL each statement is one.
                const st = statsFor(typeof text === 'string' ? text : String((text as { text?: string })?.text));
                const t = performance.now();
                const done = () => { st.n++; st.ms += performance.now() - t; };
                const p = send(text, values) as Promise<unknown>;
                p.then(done, done);
                return p;
              } : send;
            }
            return client;
          },
          end: () => pool.end(),
        } as unknown as InstanceType<typeof Pool>,
      }),
    });
    const group = groupCommit(kysely, null);
    const pgText = new Map<string, string>();
    const query = async <R>(on: Kysely<Database> | Transaction<Database>, sqlText: string, params: readonly unknown[]): Promise<QueryResult<R>> => {
      let text = pgText.get(sqlText);
      if (text === undefined) {
        let n = 0;
        text = sqlText.replace(/\?/g, () => `$${++n}`);
        // Bounded (IN lists of varying length make many texts); a name is never reused for another text.
        if (pgText.size >= 500) pgText.clear();
        pgText.set(sqlText, text);
        if (!prepared.has(text)) prepared.set(text, `rebound_${prepared.size + 1}`);
      }
      const r = await on.executeQuery<R>(CompiledQuery.raw(text, params as unknown[]));
      return { rows: r.rows, changes: Number(r.numAffectedRows ?? 0) };
    };
    return { kysely, dialect: 'postgres', write: group.write, query, close: async () => { await group.drain(); await kysely.destroy(); } };
  }
  const file = url.replace(/^sqlite:/, '');
  const Sqlite = (await import('better-sqlite3')).default;
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const handle = new Sqlite(file);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes (not power loss
  // of the last transaction), the usual trade-off for an embedded queue.
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('busy_timeout = 5000');
  handle.pragma('foreign_keys = ON');
  // 64 MiB page cache (the default is 2 MiB), temporary b-trees in memory; checkpoints every ~16 MiB of
  // WAL instead of 4 MiB, so hot pages (queue indexes) are copied back less often.
  handle.pragma('cache_size = -65536');
  handle.pragma('temp_store = MEMORY');
  handle.pragma('wal_autocheckpoint = 4000');
  const statements = withStatementCache(handle);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  const group = groupCommit(kysely, statements);
  // SQLite has one connection and better-sqlite3 is synchronous: the statement runs to completion here,
  // inside whatever transaction the connection is in (the caller's, when `on` is one of `write`'s).
  const query = <R>(_on: unknown, sqlText: string, params: readonly unknown[]): Promise<QueryResult<R>> => {
    try {
      const stmt = statements.prepare(sqlText);
      if (stmt.reader) return Promise.resolve({ rows: stmt.all(...params) as R[], changes: 0 });
      return Promise.resolve({ rows: [], changes: stmt.run(...params).changes });
    } catch (e) {
      return Promise.reject(e);
    }
  };
  return { kysely, dialect: 'sqlite', write: group.write, query, close: async () => { await group.drain(); await kysely.destroy(); } };
}

interface WriteJob {
  fn: (trx: Transaction<Database>) => Promise<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** At most this many transactions share a commit (bounds the time the connection is held). */
const GROUP_MAX = 64;
/** PostgreSQL: groups written at once (the pool has 10 connections; the rest serve plain reads). */
const PG_PARALLEL_GROUPS = 4;

function groupCommit(kysely: Kysely<Database>, sqlite: { prepare(sql: string): import('better-sqlite3').Statement } | null) {
  const savepoints = sqlite !== null;
  // SQLite: the savepoints run as prepared statements on the connection the group's transaction holds.
  const run = (text: string) => { sqlite!.prepare(text).run(); };
  let queue: WriteJob[] = [];
  let scheduled = false;
  let running: Promise<void> = Promise.resolve();
  // PostgreSQL: up to PG_PARALLEL_GROUPS groups at once, each on a pooled connection of its own — a
  // group's statements are sequential round trips, so one group at a time left the server idle.
  // SQLite has one connection: one group at a time.
  let active = 0;
  const parallel = savepoints ? 1 : PG_PARALLEL_GROUPS;

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (parallel === 1) {
        running = running.then(flush);
        return;
      }
      if (active >= parallel) return; // a finishing group schedules the rest
      active++;
      const done = flush().finally(() => {
        active--;
        if (queue.length > 0) schedule();
      });
      running = Promise.all([running, done]).then(() => {});
    });
  }

  /** One transaction by itself; on PostgreSQL run again (up to 3 times) if chosen as a deadlock or serialization victim. */
  async function runAlone(job: WriteJob): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        job.resolve(await kysely.transaction().execute(job.fn));
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (!savepoints && attempt < 3 && (code === '40P01' || code === '40001')) continue;
        job.reject(e);
        return;
      }
    }
  }

  async function flush(): Promise<void> {
    const jobs = queue.slice(0, GROUP_MAX);
    queue = queue.slice(jobs.length);
    if (queue.length > 0) schedule();
    if (jobs.length === 0) return;
    if (jobs.length === 1) {
      await runAlone(jobs[0]!);
      return;
    }
    if (!savepoints) {
      const values: unknown[] = [];
      try {
        await kysely.transaction().execute(async (trx) => {
          for (const job of jobs) values.push(await job.fn(trx));
        });
      } catch {
        // Nothing of the group was stored: each transaction again on its own, with its own answer —
        // one after another (run side by side they could deadlock with each other again), and once
        // more if PostgreSQL picked it as a deadlock or serialization victim.
        for (const job of jobs) await runAlone(job);
        return;
      }
      values.forEach((v, i) => jobs[i]!.resolve(v));
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await kysely.transaction().execute(async (trx) => {
        for (const job of jobs) {
          run('savepoint rebound_job');
          try {
            outcomes.push({ ok: true, value: await job.fn(trx) });
            run('release rebound_job');
          } catch (e) {
            outcomes.push({ ok: false, value: e });
            run('rollback to rebound_job');
            run('release rebound_job');
          }
        }
      });
    } catch (e) {
      // The common transaction failed (the commit itself, or a rollback): nothing of it was stored.
      for (const job of jobs) job.reject(e);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? jobs[i]!.resolve(o.value) : jobs[i]!.reject(o.value)));
  }

  return {
    write<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    async drain(): Promise<void> {
      while (queue.length > 0 || scheduled || active > 0) await new Promise((r) => setImmediate(r));
      await running;
    },
  };
}

/**
 * kysely's SQLite driver prepares every statement anew; compiling the SQL was a tenth of the API's CPU.
 * Statements are cached by their text (bounded: IN lists of varying length produce many texts). Safe
 * because the driver runs each statement to completion (`all`/`run`) before the next one.
 */
function withStatementCache(handle: import('better-sqlite3').Database, max = 500) {
  const cache = new Map<string, import('better-sqlite3').Statement>();
  return {
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit) return hit;
      let stmt = handle.prepare(sql);
      if (process.env.REBOUND_SQL_PROFILE) stmt = profiled(sql, stmt);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
      return stmt;
    },
    close() {
      cache.clear();
      handle.close();
    },
  };
}

export async function migrate(db: Db): Promise<string[]> {
  // Nothing pending: leave the schema alone. This also lets an older version start on a schema a newer
  // one has migrated further (kysely's migrator refuses a database with migrations it does not know).
  if ((await pendingMigrations(db)).length === 0) return [];
  const migrator = new Migrator({ db: db.kysely, provider: new InCodeMigrationProvider(db.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The migrations of this version not yet applied to the database, in order (all of them on an empty
 * database). Migrations the database has that this version does not know (a newer version migrated
 * it) are not counted: an older process keeps running against a newer schema during a rolling upgrade.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const table = db.dialect === 'postgres'
    ? (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db.kysely)).rows[0]?.t ?? null
    : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db.kysely)).rows[0]?.name ?? null;
  const applied = table === null ? [] : (await sql<{ name: string }>`select name from kysely_migration`.execute(db.kysely)).rows.map((r) => r.name);
  const done = new Set(applied);
  return Object.keys(migrations(db.dialect)).filter((m) => !done.has(m));
}

/** Thrown at start when REBOUND_MIGRATE_ON_START=false and the schema is behind this version. */
export class SchemaBehindError extends Error {
  constructor(readonly pending: string[]) {
    super(`the database schema is behind this version (pending migrations: ${pending.join(', ')}) and REBOUND_MIGRATE_ON_START is false: run \`rebound migrate\` first`);
    this.name = 'SchemaBehindError';
  }
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}

/**
 * REBOUND_SQL_PROFILE=1 (a diagnostic for benchmarks): count and time per statement text, printed to
 * stderr at exit, slowest first. On SQLite the time is the statement's own; on PostgreSQL it is the
 * round trip, as the process waits for it.
 */
const sqlStats = new Map<string, { n: number; ms: number }>();
function statsFor(sqlText: string): { n: number; ms: number } {
  let st = sqlStats.get(sqlText);
  if (!st) sqlStats.set(sqlText, st = { n: 0, ms: 0 });
  return st;
}
function profiled(sqlText: string, stmt: import('better-sqlite3').Statement): import('better-sqlite3').Statement {
  const st = statsFor(sqlText);
  const timed = (f: (...a: unknown[]) => unknown) => (...a: unknown[]) => {
    const t = performance.now();
    try { return f.apply(stmt, a); } finally { st.n++; st.ms += performance.now() - t; }
  };
  return new Proxy(stmt, {
    get(target, k) {
      const v = Reflect.get(target, k);
      return k === 'run' || k === 'all' || k === 'get' ? timed(v as (...a: unknown[]) => unknown) : v;
    },
  });
}
if (process.env.REBOUND_SQL_PROFILE) {
  process.on('exit', () => {
    for (const [text, st] of [...sqlStats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
      process.stderr.write(`SQLPROF ${st.ms.toFixed(0).padStart(6)} ms ${String(st.n).padStart(7)} × ${(st.ms * 1000 / st.n).toFixed(0).padStart(5)} µs  ${text.slice(0, 160)}\n`);
    }
  });
}
