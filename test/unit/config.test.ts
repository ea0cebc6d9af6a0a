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
  ];
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
