import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveKeys, openSecret, sealSecret } from '../../src/security/keys.ts';
import { parseVerpAddress, verpAddress } from '../../src/security/verp.ts';
import { newId } from '../../src/domain/ids.ts';

const keys = deriveKeys('a-secret-key-of-at-least-32-characters!!');
const other = deriveKeys('another-secret-key-of-32-characters-or-more');
const DOMAIN = 'notifications.example.com';

describe('VERP tokens', () => {
  it('round-trip the recipient id, also when an MTA upper-cases the local part', () => {
    const id = newId('rcp');
    const address = verpAddress(keys.verp, id, DOMAIN);
    assert.match(address, /^bounces\+rcp_[0-9a-z]{26}-[0-9a-f]{16}@notifications\.example\.com$/);
    assert.equal(parseVerpAddress(keys.verp, address, DOMAIN), id);
    assert.equal(parseVerpAddress(keys.verp, address.toUpperCase(), DOMAIN), id);
  });

  it('refuse a changed id, a changed MAC, another key and another domain', () => {
    const id = newId('rcp');
    const address = verpAddress(keys.verp, id, DOMAIN);
    const otherId = newId('rcp');
    assert.equal(parseVerpAddress(keys.verp, address.replace(id, otherId), DOMAIN), null);
    assert.equal(parseVerpAddress(keys.verp, address.replace(/-([0-9a-f])/, (_m, c) => `-${c === 'a' ? 'b' : 'a'}`), DOMAIN), null);
    assert.equal(parseVerpAddress(other.verp, address, DOMAIN), null);
    assert.equal(parseVerpAddress(keys.verp, address.replace(DOMAIN, 'evil.example.org'), DOMAIN), null);
    for (const junk of ['', '@', 'bounces@notifications.example.com', 'bounces+@notifications.example.com', 'bounces+x-y@notifications.example.com', 'x'.repeat(5000)]) {
      assert.equal(parseVerpAddress(keys.verp, junk, DOMAIN), null, junk.slice(0, 40));
    }
  });
});

describe('the secret box', () => {
  it('encrypts with authentication: the stored text is not the password, and a flipped byte is refused', () => {
    const sealed = sealSecret(keys, 'Hotel-Passw0rd!');
    assert.ok(!sealed.includes('Hotel-Passw0rd!'));
    assert.equal(openSecret(keys, sealed), 'Hotel-Passw0rd!');
    assert.notEqual(sealSecret(keys, 'Hotel-Passw0rd!'), sealed, 'a fresh IV every time');
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64url');
    assert.throws(() => openSecret(keys, parts.join('.')));
    assert.throws(() => openSecret(other, sealed), /another key/);
  });
});

describe('ids', () => {
  it('sort by creation time and stay lower-case', () => {
    const a = newId('msg', 1_700_000_000_000);
    const b = newId('msg', 1_700_000_000_001);
    assert.ok(a < b);
    assert.equal(a, a.toLowerCase());
  });
  it('sort in the order they were made within one millisecond', () => {
    const now = Date.now() + 10_000;
    const ids = Array.from({ length: 1000 }, () => newId('evt', now));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    assert.match(ids[0]!, /^evt_[0-9a-z]{26}$/);
  });
});
