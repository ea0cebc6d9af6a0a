import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeMailgun } from '../fakes/mailgun-server.ts';

// The fake is only useful if it refuses what Mailgun refuses; these pin its documented behaviour.

const auth = (key: string) => 'Basic ' + Buffer.from(`api:${key}`).toString('base64');

test('the fake refuses requests without the api:<key> basic auth', async (t) => {
  const fake = await startFakeMailgun({ apiKey: 'key-right' });
  t.after(() => fake.close());
  const form = new FormData();
  form.append('to', 'a@example.com');
  form.append('message', new Blob(['Subject: x\r\n\r\nx']), 'message.mime');
  const none = await fetch(`${fake.url}/v3/${fake.domain}/messages.mime`, { method: 'POST', body: form });
  const wrongUser = await fetch(`${fake.url}/v3/${fake.domain}/messages.mime`, { method: 'POST', body: form, headers: { authorization: 'Basic ' + Buffer.from('user:key-right').toString('base64') } });
  assert.deepEqual([none.status, await none.text(), wrongUser.status], [401, 'Forbidden', 401]);
  assert.equal(fake.received.length, 0);
});

test('the fake requires to and message, and accepts comma-separated recipients', async (t) => {
  const fake = await startFakeMailgun({ apiKey: 'k' });
  t.after(() => fake.close());
  const post = (form: FormData) => fetch(`${fake.url}/v3/${fake.domain}/messages.mime`, { method: 'POST', body: form, headers: { authorization: auth('k') } });
  const noTo = new FormData();
  noTo.append('message', new Blob(['x']), 'message.mime');
  assert.deepEqual(await (await post(noTo)).json(), { message: "'to' parameter is missing" });
  const noMessage = new FormData();
  noMessage.append('to', 'a@example.com');
  const r = await post(noMessage);
  assert.deepEqual([r.status, await r.json()], [400, { message: "'message' parameter is missing" }]);
  const ok = new FormData();
  ok.append('to', 'a@example.com, b@example.com');
  ok.append('message', new Blob(['Message-ID:\r\n <folded@example.com>\r\n\r\nbody']), 'message.mime');
  ok.append('o:testmode', 'yes');
  const accepted = await post(ok);
  const body = (await accepted.json()) as { id: string; message: string };
  assert.equal(accepted.status, 200);
  assert.equal(body.message, 'Queued. Thank you.');
  assert.deepEqual(fake.received[0]!.to, ['a@example.com', 'b@example.com']);
  assert.equal(fake.received[0]!.messageId, '<folded@example.com>');
  assert.deepEqual(fake.received[0]!.options, { 'o:testmode': 'yes' });
});

test('the fake answers planned failures in order, then recovers', async (t) => {
  const fake = await startFakeMailgun({ apiKey: 'k' });
  t.after(() => fake.close());
  fake.failNext(429, 2);
  fake.failNext(500);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const form = new FormData();
    form.append('to', 'a@example.com');
    form.append('message', new Blob(['x']), 'message.mime');
    statuses.push((await fetch(`${fake.url}/v3/${fake.domain}/messages.mime`, { method: 'POST', body: form, headers: { authorization: auth('k') } })).status);
  }
  assert.deepEqual(statuses, [429, 429, 500, 200]);
  assert.deepEqual(fake.requests.map((r) => r.status), [429, 429, 500, 200]);
});

test('the fake refuses a message over its size limit with 413', async (t) => {
  const fake = await startFakeMailgun({ apiKey: 'k', maxBytes: 10_000 });
  t.after(() => fake.close());
  const form = new FormData();
  form.append('to', 'a@example.com');
  form.append('message', new Blob(['x'.repeat(20_000)]), 'message.mime');
  const r = await fetch(`${fake.url}/v3/${fake.domain}/messages.mime`, { method: 'POST', body: form, headers: { authorization: auth('k') } });
  assert.equal(r.status, 413);
});
