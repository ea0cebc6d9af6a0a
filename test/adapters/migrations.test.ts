import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createContext, createLogger } from '../../src/runtime.ts';
import { migrate, openDatabase, pendingMigrations, SchemaBehindError } from '../../src/adapters/db/database.ts';
import { migrations } from '../../src/adapters/db/migrations.ts';
import { createPostgresDatabase, databaseKinds } from '../helpers/databases.ts';

/**
 * REBOUND_MIGRATE_ON_START=false: the operator runs `rebound migrate` once per release and the
 * processes never change the schema. A process then checks, and refuses to start on a schema that
 * lacks one of its migrations; one that a newer version has migrated further is fine (rolling upgrade).
 */
for (const kind of await databaseKinds()) {
  describe(`migrations on ${kind}`, () => {
    async function database() {
      const dataDir = mkdtempSync(join(tmpdir(), 'rb-migrations-'));
      const pg = kind === 'postgres' ? await createPostgresDatabase() : null;
      const url = pg?.url ?? `sqlite:${join(dataDir, 'rebound.sqlite')}`;
      const config = (env: Record<string, string> = {}) => loadConfig({ REBOUND_DATABASE_URL: url, REBOUND_ADMIN_TOKEN: 'test-admin-token-0123456789', REBOUND_SECRET_KEY: 'test-secret-key-0123456789abcdef-0123', ...env }, { dataDir });
      return { url, config, async drop() { await pg?.drop(); rmSync(dataDir, { recursive: true, force: true }); } };
    }
    const names = Object.keys(migrations(kind));

    it('counts every migration pending on an empty database, none once migrated, and ignores one from a newer version', async () => {
      const d = await database();
      const db = await openDatabase(d.url);
      try {
        assert.deepEqual(await pendingMigrations(db), names);
        await migrate(db);
        assert.deepEqual(await pendingMigrations(db), []);
        await sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_version', '2030-01-01T00:00:00.000Z')`.execute(db.kysely);
        assert.deepEqual(await pendingMigrations(db), []);
        await sql`delete from kysely_migration where name = ${names.at(-1)!}`.execute(db.kysely);
        assert.deepEqual(await pendingMigrations(db), [names.at(-1)]);
      } finally {
        await db.close();
        await d.drop();
      }
    });

    it('with REBOUND_MIGRATE_ON_START=false refuses a schema behind it and applies nothing, and starts on one a newer version migrated, with or without migrating at start', async () => {
      const d = await database();
      try {
        const first = await createContext(d.config(), { log: createLogger('silent') });
        await sql`delete from kysely_migration where name = ${names.at(-1)!}`.execute(first.db.kysely);
        await first.db.close(); await first.composer.close();

        await assert.rejects(createContext(d.config({ REBOUND_MIGRATE_ON_START: 'false' }), { log: createLogger('silent') }), (e: unknown) => {
          assert.ok(e instanceof SchemaBehindError);
          assert.deepEqual(e.pending, [names.at(-1)]);
          assert.match(e.message, /rebound migrate/);
          return true;
        });
        const check = await openDatabase(d.url);
        assert.deepEqual(await pendingMigrations(check), [names.at(-1)], 'the refused start applied nothing');
        await check.close();

        // Once it is applied (put back here), and with a newer version's migration in the database too,
        // the process starts.
        const fix = await openDatabase(d.url);
        await sql`insert into kysely_migration (name, timestamp) values (${names.at(-1)!}, '2026-01-01T00:00:00.000Z'), ('9999_from_a_newer_version', '2030-01-01T00:00:00.000Z')`.execute(fix.kysely);
        await fix.close();
        const older = await createContext(d.config({ REBOUND_MIGRATE_ON_START: 'false' }), { log: createLogger('silent') });
        assert.deepEqual(await pendingMigrations(older.db), []);
        await older.db.close(); await older.composer.close();
        // So does one that migrates at start (the default): nothing is pending, so it changes nothing.
        const restarted = await createContext(d.config(), { log: createLogger('silent') });
        await restarted.db.close(); await restarted.composer.close();
      } finally {
        await d.drop();
      }
    });
  });
}
