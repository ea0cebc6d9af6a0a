import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startRebound, eventually, ADMIN, type TestInstance } from '../helpers/rebound.ts';
import { databaseKinds } from '../helpers/databases.ts';

const GONE = 'gone@example.net';
const FULL = 'full@example.net';
const GONE_TEXT = '5.1.1 <gone@example.net>: Recipient address rejected: User unknown in virtual mailbox table';
const FULL_TEXT = '5.2.2 <full@example.net>: Mailbox full (quota exceeded)';

for (const db of await databaseKinds()) {
  describe(`the suppression list on ${db}`, () => {
    let relay: SmtpSink;
    let rebound: TestInstance;
    let alpenblick: string;
    let gasthof: string;

    const send = async (key: string, to: string | string[]) => {
      const res = await rebound.api('POST', '/v1/messages', { token: key, body: { to, subject: 'Ihre Buchung', text: 'Bis bald.' } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body as { id: string; status: string };
    };
    const settled = (key: string, id: string) => eventually(async () => {
      const m = (await rebound.api('GET', `/v1/messages/${id}`, { token: key })).body;
      return m.recipients.every((r: any) => !['queued', 'deferred'].includes(r.status)) ? m : null;
    }, 20_000, `message ${id} settled`);
    const suppressed = async (key: string, address?: string) =>
      (await rebound.api('GET', `/v1/suppressions${address ? `?address=${encodeURIComponent(address)}` : ''}`, { token: key })).body.data as any[];
    const relayedTo = (address: string) => relay.mails.filter((m) => m.to.includes(address)).length;

    before(async () => {
      relay = await startSmtpSink({
        rcptVerdict: (a) => (a === GONE ? { code: 550, message: GONE_TEXT } : a === FULL ? { code: 552, message: FULL_TEXT } : null),
      });
      rebound = await startRebound({
        db,
        env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${relay.port}`, REBOUND_SUPPRESS_AFTER_SOFT_BOUNCES: '2', REBOUND_SOFT_BOUNCE_WINDOW_DAYS: '7', REBOUND_RETRY_BASE_SECONDS: '1', REBOUND_RETRY_MAX_SECONDS: '2' },
      });
      const a = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Alpenblick', notificationEmail: 'rezeption@alpenblick.example.com' } });
      const g = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Gasthof Post', notificationEmail: 'info@gasthof.example.com' } });
      alpenblick = a.body.apiKey;
      gasthof = g.body.apiKey;
    });

    after(async () => {
      await rebound?.destroy();
      await relay?.close();
    });

    it('suppresses an address after a hard bounce, naming the event that caused it', async () => {
      const { id } = await send(alpenblick, GONE);
      const m = await settled(alpenblick, id);
      assert.equal(m.recipients[0].status, 'bounced');
      const [entry] = await suppressed(alpenblick, GONE);
      assert.equal(entry.reason, 'userunknown');
      assert.equal(entry.source, 'bounce');
      assert.equal(entry.messageId, id);
      assert.equal(entry.eventId, m.events.find((e: any) => e.type === 'bounced').id);
      assert.equal(entry.diagnostic, `550 ${GONE_TEXT}`, 'the server reply verbatim');
    });

    it('does not attempt a later message to a suppressed address, and the API says why', async () => {
      const attemptsBefore = relay.mails.length;
      const accepted = await send(alpenblick, [GONE, 'ok@example.net']);
      assert.equal(accepted.status, 'queued', 'the other recipient is still on its way');
      const m = await settled(alpenblick, accepted.id);
      const gone = m.recipients.find((r: any) => r.address === GONE);
      assert.equal(gone.status, 'suppressed');
      assert.equal(gone.reason, 'userunknown');
      assert.equal(gone.attempts, 0);
      assert.equal(gone.diagnostic, `550 ${GONE_TEXT}`, 'the text that caused the suppression');
      const event = m.events.find((e: any) => e.type === 'suppressed');
      assert.equal(event.recipient, GONE);
      assert.match(event.diagnostic, /suppression list/);
      assert.match(event.diagnostic, /event evt_/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(relay.mails.slice(attemptsBefore).filter((x) => x.to.includes(GONE)).length, 0, 'never handed to the relay');
      assert.equal(m.status, 'suppressed', 'ok was sent, gone suppressed: the message reports the problem');
    });

    it('finds the address on the list whatever its case, also as the only recipient', async () => {
      const attemptsBefore = relay.mails.length;
      const accepted = await send(alpenblick, GONE.toUpperCase());
      assert.equal(accepted.status, 'suppressed');
      const m = (await rebound.api('GET', `/v1/messages/${accepted.id}`, { token: alpenblick })).body;
      assert.equal(m.recipients.length, 1);
      assert.equal(m.recipients[0].status, 'suppressed');
      assert.deepEqual(m.events.map((e: any) => e.type).sort(), ['accepted', 'suppressed']);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(relay.mails.length, attemptsBefore, 'never handed to the relay');
    });

    it('suppresses only that recipient when messages to it and to others are sent at the same moment', async () => {
      const to = Array.from({ length: 24 }, (_, i) => (i === 11 ? GONE : `gast-${i}@example.net`));
      const goneBefore = relayedTo(GONE);
      const accepted = await Promise.all(to.map((address) => send(alpenblick, address)));
      accepted.forEach((a, i) => assert.equal(a.status, i === 11 ? 'suppressed' : 'queued', to[i]));
      for (const [i, a] of accepted.entries()) {
        const m = await settled(alpenblick, a.id);
        assert.deepEqual(m.recipients.map((r: any) => [r.address, r.status]), [[to[i], i === 11 ? 'suppressed' : 'sent']]);
      }
      for (const address of to) assert.equal(relayedTo(address), address === GONE ? goneBefore : 1, address);
    });

    it('leaves another hotel unaffected', async () => {
      assert.deepEqual(await suppressed(gasthof), []);
      const { id } = await send(gasthof, GONE);
      const m = await settled(gasthof, id);
      assert.equal(m.recipients[0].status, 'bounced', 'attempted (and rejected) for the other hotel');
      assert.ok(m.recipients[0].attempts >= 1);
    });

    it('does not suppress after one soft bounce, but does after the configured number', async () => {
      const first = await send(alpenblick, FULL);
      assert.equal((await settled(alpenblick, first.id)).recipients[0].reason, 'mailboxfull');
      assert.deepEqual(await suppressed(alpenblick, FULL), [], 'one full mailbox is no reason to stop writing');
      const second = await send(alpenblick, FULL);
      await settled(alpenblick, second.id);
      const [entry] = await suppressed(alpenblick, FULL);
      assert.equal(entry?.source, 'soft-bounces');
      assert.equal(entry.reason, 'mailboxfull');
    });

    it('sends again after the address is reactivated', async () => {
      const del = await rebound.api('DELETE', `/v1/suppressions/${encodeURIComponent(GONE)}`, { token: alpenblick });
      assert.equal(del.status, 204);
      assert.deepEqual(await suppressed(alpenblick, GONE), []);
      const again = await rebound.api('DELETE', `/v1/suppressions/${encodeURIComponent(GONE)}`, { token: alpenblick });
      assert.equal(again.status, 404);
      const before = relayedTo(GONE);
      const { id, status } = await send(alpenblick, GONE);
      assert.equal(status, 'queued');
      const m = await settled(alpenblick, id);
      assert.equal(m.recipients[0].status, 'bounced', 'attempted again (the guest server still refuses it)');
      assert.equal(relayedTo(GONE), before, 'the sink rejects at RCPT, so nothing is stored, but the attempt was made');
      assert.ok(m.recipients[0].attempts >= 1);
    });

    it('adds an address by hand, lists with filters and pages, and refuses another hotel reactivating it', async () => {
      for (const address of ['a@example.org', 'b@example.org', 'c@example.org']) {
        const r = await rebound.api('POST', '/v1/suppressions', { token: alpenblick, body: { address, note: 'Gast wünscht keine E-Mails' } });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.source, 'manual');
      }
      const dup = await rebound.api('POST', '/v1/suppressions', { token: alpenblick, body: { address: 'A@example.org' } });
      assert.equal(dup.status, 200, 'already there: the existing entry');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = (await rebound.api('GET', `/v1/suppressions?source=manual&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: alpenblick })).body;
        assert.ok(page.data.length <= 2);
        seen.push(...page.data.map((x: any) => x.address));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen.sort(), ['a@example.org', 'b@example.org', 'c@example.org']);
      const foreign = await rebound.api('DELETE', '/v1/suppressions/a%40example.org', { token: gasthof });
      assert.equal(foreign.status, 404);
      const { id, status } = await send(alpenblick, 'b@example.org');
      assert.equal(status, 'suppressed', 'nothing to send: the answer says so at once');
      assert.equal((await settled(alpenblick, id)).recipients[0].reason, 'onhold');
    });
  });
}
