import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config.ts';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-config-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

describe('configuration', () => {
  it('runs with no variables set: SQLite under the data folder, generated admin token and secret key', () => withDir((dir) => {
    const c = loadConfig({}, { dataDir: dir });
    assert.equal(c.databaseUrl, `sqlite:${join(dir, 'rebound.sqlite')}`);
    assert.equal(c.relayUrl, null);
    assert.ok(c.adminTokenGenerated);
    assert.equal(readFileSync(join(dir, 'admin-token'), 'utf8').trim(), c.adminToken);
    assert.equal(statSync(join(dir, 'secret-key')).mode & 0o777, 0o600, 'generated secrets are private to the owner');
    assert.ok(c.secretKey.length >= 32);
    // A second start reuses what the first generated.
    const again = loadConfig({}, { dataDir: dir });
    assert.equal(again.adminToken, c.adminToken);
    assert.equal(again.secretKey, c.secretKey);
  }));

  const bad: [string, string, RegExp][] = [
    ['REBOUND_HTTP_PORT', 'eighty', /whole number/],
    ['REBOUND_SMTP_PORT', '70000', /between 0 and 65535/],
    ['REBOUND_RELAY_URL', 'http://smtp.example.com', /smtp:\/\/ or smtps:\/\//],
    ['REBOUND_RELAY_URL', 'not a url', /not a URL/],
    ['REBOUND_DATABASE_URL', 'mysql://x', /sqlite:<file> or postgres/],
    ['REBOUND_SECRET_KEY', 'too-short', /at least 32/],
    ['REBOUND_ADMIN_TOKEN', 'short', /at least 16/],
    ['REBOUND_NOTIFICATIONS_DOMAIN', 'not a domain', /not a domain name/],
    ['REBOUND_TIME_ZONE', 'Mars/Olympus', /IANA time zone/],
    ['REBOUND_DATABASE_URL', 'sqlite:', /needs a file name/],
    ['REBOUND_DATABASE_URL', 'postgres://', /names no PostgreSQL host/],
    ['REBOUND_SECRET_KEY', ' '.repeat(40), /at least 32/],
    ['REBOUND_ADMIN_TOKEN', ' '.repeat(20), /only spaces/],
    ['REBOUND_RETRY_MAX_SECONDS', '1', /at least REBOUND_RETRY_BASE_SECONDS/],
    ['REBOUND_MIGRATE_ON_START', 'sometimes', /true or false/],
  ];
  it('migrates at start unless REBOUND_MIGRATE_ON_START is false', () => withDir((dir) => {
    assert.equal(loadConfig({}, { dataDir: dir }).migrateOnStart, true);
    assert.equal(loadConfig({ REBOUND_MIGRATE_ON_START: 'false' }, { dataDir: dir }).migrateOnStart, false);
    assert.equal(loadConfig({ REBOUND_MIGRATE_ON_START: ' 0 ' }, { dataDir: dir }).migrateOnStart, false);
  }));

  for (const [name, value, message] of bad) {
    it(`stops with one line naming ${name} when it is "${value}"`, () => withDir((dir) => {
      assert.throws(() => loadConfig({ [name]: value }, { dataDir: dir }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.variable, name);
        assert.match(e.message, new RegExp(`^${name}: `));
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    }));
  }
});

describe('Mailgun, webhook and suppression settings', () => {
  const MG = { REBOUND_MAILGUN_API_KEY: 'key-0123456789abcdef', REBOUND_MAILGUN_DOMAIN: 'mg.example.com' };
  const refused: Array<[string, Record<string, string>, RegExp]> = [
    ['REBOUND_MAILGUN_DOMAIN', { REBOUND_MAILGUN_API_KEY: 'key-1' }, /required when REBOUND_MAILGUN_API_KEY/],
    ['REBOUND_MAILGUN_API_KEY', { REBOUND_MAILGUN_DOMAIN: 'mg.example.com' }, /required when REBOUND_MAILGUN_DOMAIN/],
    ['REBOUND_MAILGUN_REGION', { ...MG, REBOUND_MAILGUN_REGION: 'asia' }, /eu or us/],
    ['REBOUND_MAILGUN_BASE_URL', { ...MG, REBOUND_MAILGUN_BASE_URL: 'ftp://mailgun.example' }, /https:\/\//],
    ['REBOUND_MAILGUN_BASE_URL', { ...MG, REBOUND_MAILGUN_BASE_URL: 'https://proxy.example/v3' }, /origin only/],
    ['REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY', { ...MG, REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY: MG.REBOUND_MAILGUN_API_KEY }, /is the API key/],
    ['REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS', { REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'maybe' }, /true or false/],
    ['REBOUND_WEBHOOK_DISABLE_AFTER_HOURS', { REBOUND_WEBHOOK_DISABLE_AFTER_HOURS: '12' }, /between 24/],
    ['REBOUND_SUPPRESS_AFTER_SOFT_BOUNCES', { REBOUND_SUPPRESS_AFTER_SOFT_BOUNCES: '-1' }, /whole number/],
  ];
  for (const [name, env, message] of refused) {
    it(`stops naming ${name} for ${JSON.stringify(env)}`, () => withDir((dir) => {
      assert.throws(() => loadConfig(env, { dataDir: dir }), (e: unknown) => e instanceof ConfigError && e.variable === name && message.test(e.message));
    }));
  }

  it('has Mailgun off, private webhook targets refused and the soft-bounce rule off by default', () => withDir((dir) => {
    const c = loadConfig({}, { dataDir: dir });
    assert.equal(c.mailgun, null);
    assert.equal(c.mailgunWebhookSigningKey, null);
    assert.equal(c.webhookAllowPrivateTargets, false);
    assert.equal(c.webhookDisableAfterHours, 72);
    assert.equal(c.suppressAfterSoftBounces, 0);
    assert.equal(c.softBounceWindowDays, 30);
  }));

  it('reads a Mailgun configuration with the EU region by default', () => withDir((dir) => {
    const c = loadConfig({ ...MG, REBOUND_MAILGUN_BASE_URL: 'http://127.0.0.1:9999' }, { dataDir: dir });
    assert.deepEqual(c.mailgun, { apiKey: MG.REBOUND_MAILGUN_API_KEY, domain: 'mg.example.com', region: 'eu', baseUrl: 'http://127.0.0.1:9999' });
  }));
});
