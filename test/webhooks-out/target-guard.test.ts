import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import {
  FORBIDDEN_TARGET_ERROR_CODE,
  checkWebhookTarget,
  forbiddenAddressReason,
  postSigned,
  type Resolver,
} from '../../src/adapters/webhooks-out/target-guard.ts';

const resolvesTo = (...addresses: string[]): Resolver => async () =>
  addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

const FORBIDDEN: Array<[string, RegExp]> = [
  ['127.0.0.1', /loopback/],
  ['127.255.0.9', /loopback/],
  ['10.1.2.3', /private/],
  ['172.16.0.1', /private/],
  ['172.31.255.255', /private/],
  ['192.168.1.10', /private/],
  ['169.254.169.254', /metadata/],
  ['169.254.10.1', /link-local/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['100.127.255.254', /carrier-grade NAT/],
  ['0.0.0.0', /this network/],
  ['0.1.2.3', /this network/],
  ['224.0.0.251', /multicast/],
  ['239.255.255.250', /multicast/],
  ['255.255.255.255', /broadcast/],
  ['::1', /loopback/],
  ['::', /unspecified/],
  ['fc00::1', /unique-local/],
  ['fd12:3456:789a::1', /unique-local/],
  ['fe80::1', /link-local/],
  ['fe80::1%eth0', /link-local/],
  ['ff02::1', /multicast/],
  ['::ffff:127.0.0.1', /IPv4-mapped a loopback/],
  ['::ffff:7f00:1', /IPv4-mapped a loopback/],
  ['::ffff:10.0.0.1', /IPv4-mapped a private/],
  ['::ffff:169.254.169.254', /IPv4-mapped the cloud metadata/],
  ['64:ff9b::a9fe:a9fe', /NAT64 the cloud metadata/],
  ['2002:c0a8:0101::1', /6to4 a private/],
  ['[::1]', /loopback/],
];

test('every private, loopback, link-local, CGNAT, multicast and metadata address is refused with a reason', () => {
  for (const [address, reason] of FORBIDDEN) {
    assert.match(forbiddenAddressReason(address) ?? 'allowed', reason, address);
  }
});

test('public addresses are allowed, including public IPv4 inside IPv6 forms', () => {
  for (const address of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:8.8.8.8', '64:ff9b::808:808', '2a00:1450:4001:82b::200e']) {
    assert.equal(forbiddenAddressReason(address), null, address);
  }
});

test('anything that is not an IP address is refused, so the guard fails closed', () => {
  assert.equal(forbiddenAddressReason('example.com'), 'not an IP address');
  assert.equal(forbiddenAddressReason(''), 'not an IP address');
});

test('a public https target is accepted with the addresses it resolved to', async () => {
  const check = await checkWebhookTarget('https://pms.example.com/rebound', { resolve: resolvesTo('93.184.215.14') });
  assert.equal(check.ok, true);
  assert.deepEqual(check.ok && check.addresses.map((a) => a.address), ['93.184.215.14']);
});

test('a host name resolving to a private address is refused with a clear reason', async () => {
  const check = await checkWebhookTarget('https://intranet.example.com/', { resolve: resolvesTo('10.0.0.5') });
  assert.deepEqual(check, { ok: false, code: 'forbidden_address', reason: 'host intranet.example.com resolves to 10.0.0.5, a private address (RFC 1918)' });
});

test('one private address among public ones is enough to refuse', async () => {
  const check = await checkWebhookTarget('https://mixed.example.com/', { resolve: resolvesTo('93.184.215.14', 'fd00::1') });
  assert.equal(check.ok ? 'ok' : check.code, 'forbidden_address');
});

test('IP-literal URLs are judged without DNS, including the encodings URL parsing normalises', async () => {
  const resolve: Resolver = async () => assert.fail('no DNS for literals');
  for (const url of ['http://127.0.0.1/', 'http://[::1]:8080/', 'http://2130706433/', 'http://0x7f.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:192.168.0.1]/']) {
    const check = await checkWebhookTarget(url, { resolve });
    assert.equal(check.ok ? 'ok' : check.code, 'forbidden_address', url);
  }
});

test('only http and https URLs are accepted', async () => {
  for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)']) {
    const check = await checkWebhookTarget(url, { resolve: resolvesTo('93.184.215.14') });
    assert.equal(check.ok ? 'ok' : check.code, 'scheme', url);
  }
  const junk = await checkWebhookTarget('not a url');
  assert.equal(junk.ok ? 'ok' : junk.code, 'invalid_url');
});

test('an unresolvable host is refused and says so', async () => {
  const resolve: Resolver = async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }); };
  const check = await checkWebhookTarget('https://nowhere.invalid/', { resolve });
  assert.deepEqual(check, { ok: false, code: 'unresolvable', reason: 'host nowhere.invalid does not resolve (ENOTFOUND)' });
});

test('allowPrivate lets a PMS on the same private network be registered', async () => {
  const check = await checkWebhookTarget('http://pms.internal:8080/hook', { allowPrivate: true, resolve: resolvesTo('192.168.10.20') });
  assert.equal(check.ok, true);
  assert.equal((await checkWebhookTarget('http://127.0.0.1:9/', { allowPrivate: true })).ok, true);
});

async function receiver(handler: (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}
const close = (server: Server) => new Promise((r) => { server.closeAllConnections(); server.close(r); });

test('postSigned connects to the address its guarded lookup approved and sends headers and body', async (t) => {
  const seen: Array<{ host?: string; sig?: string; body: string }> = [];
  const { server, port } = await receiver((req, body, res) => {
    seen.push({ host: req.headers.host, sig: req.headers['webhook-signature'] as string, body: body.toString() });
    res.writeHead(204).end();
  });
  t.after(() => close(server));
  const lookups: string[] = [];
  const lookup: Resolver = async (h) => { lookups.push(h); return [{ address: '127.0.0.1', family: 4 }]; };
  const out = await postSigned(`http://pms.example.test:${port}/hook`, { 'webhook-signature': 'v1,abc', 'content-type': 'application/json' }, '{"x":1}', { lookup, allowPrivate: true });
  assert.equal(out.status, 204);
  assert.equal(out.ok, true);
  assert.equal(out.error, null);
  assert.deepEqual(lookups, ['pms.example.test']);
  assert.deepEqual(seen, [{ host: `pms.example.test:${port}`, sig: 'v1,abc', body: '{"x":1}' }]);
});

test('DNS rebinding is refused: a name that resolved publicly at registration but privately at delivery is not connected to', async (t) => {
  let connections = 0;
  const { server, port } = await receiver((_req, _body, res) => res.writeHead(204).end());
  server.on('connection', () => connections++);
  t.after(() => close(server));
  let calls = 0;
  const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
  const url = `http://rebind.example.test:${port}/hook`;
  assert.equal((await checkWebhookTarget(url, { resolve: rebinding })).ok, true);
  const out = await postSigned(url, {}, '{}', { lookup: rebinding });
  assert.equal(out.status, null);
  assert.equal(out.error?.code, FORBIDDEN_TARGET_ERROR_CODE);
  assert.match(out.error!.message, /resolves to 127\.0\.0\.1, a loopback address/);
  assert.equal(connections, 0);
});

test('postSigned refuses a private IP literal before opening a socket', async () => {
  const out = await postSigned('http://10.0.0.1:1/hook', {}, '{}');
  assert.equal(out.error?.code, FORBIDDEN_TARGET_ERROR_CODE);
  const meta = await postSigned('http://169.254.169.254/latest/meta-data/', {}, '{}');
  assert.match(meta.error!.message, /metadata/);
});

test('a huge response is cut at the cap and the post still counts by its status', async (t) => {
  const { server, port } = await receiver((_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const block = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => { while (sent < 200 && res.write(block)) sent++; if (sent < 200) res.once('drain', pump); else res.end(); };
    pump();
  });
  t.after(() => close(server));
  const out = await postSigned(`http://127.0.0.1:${port}/`, {}, '{}', { allowPrivate: true, maxResponseBytes: 1000 });
  assert.equal(out.status, 200);
  assert.equal(out.ok, true);
  assert.equal(out.truncated, true);
  assert.equal(out.responseBody.length, 1000);
});

test('a receiver that never answers times out quickly', async (t) => {
  const { server, port } = await receiver(() => { /* never answers */ });
  t.after(() => close(server));
  const out = await postSigned(`http://127.0.0.1:${port}/`, {}, '{}', { allowPrivate: true, timeoutMs: 200 });
  assert.equal(out.status, null);
  assert.equal(out.error?.code, 'timeout');
  assert.ok(out.durationMs < 2000);
});

test('non-2xx answers, redirects and Retry-After are reported, not followed', async (t) => {
  const { server, port } = await receiver((req, _body, res) => {
    if (req.url === '/moved') res.writeHead(301, { location: 'http://169.254.169.254/' }).end();
    else res.writeHead(429, { 'retry-after': '120' }).end('slow down');
  });
  t.after(() => close(server));
  const limited = await postSigned(`http://127.0.0.1:${port}/`, {}, '{}', { allowPrivate: true });
  assert.deepEqual([limited.status, limited.ok, limited.retryAfterSeconds, limited.responseBody], [429, false, 120, 'slow down']);
  const moved = await postSigned(`http://127.0.0.1:${port}/moved`, {}, '{}', { allowPrivate: true });
  assert.deepEqual([moved.status, moved.ok], [301, false]);
});

test('a refused connection is a network error, not an exception', async () => {
  const { server, port } = await receiver(() => {});
  await close(server);
  const out = await postSigned(`http://127.0.0.1:${port}/`, {}, '{}', { allowPrivate: true });
  assert.equal(out.error?.code, 'network');
  assert.match(out.error!.message, /ECONNREFUSED/);
});
