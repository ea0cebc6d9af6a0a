import { randomBytes } from 'node:crypto';

/**
 * The suite runs its database-backed tests on SQLite always and on PostgreSQL when one answers
 * (REBOUND_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test). Each test gets a
 * database of its own, dropped afterwards, so tests run in parallel and leave nothing behind.
 */
export const POSTGRES_ADMIN_URL = process.env.REBOUND_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgAvailable: Promise<boolean> | null = null;

export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= (async () => {
    if (process.env.REBOUND_TEST_POSTGRES === 'off') return false;
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgAvailable;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `rebound_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(POSTGRES_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export type DbKind = 'sqlite' | 'postgres';

/** The database kinds to run a suite on here; logs once why PostgreSQL is skipped. */
export async function databaseKinds(): Promise<DbKind[]> {
  if (await postgresAvailable()) return ['sqlite', 'postgres'];
  if (process.env.CI) throw new Error(`PostgreSQL is required in CI but does not answer at ${POSTGRES_ADMIN_URL.replace(/\/\/[^@]*@/, '//')}`);
  return ['sqlite'];
}
