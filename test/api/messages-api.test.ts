import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRebound, ADMIN, eventually, type TestInstance } from '../helpers/rebound.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { databaseKinds } from '../helpers/databases.ts';

for (const db of await databaseKinds()) {
  describe(`the messages API on ${db}`, () => {
    let rebound: TestInstance;
    let sink: SmtpSink;
    let key: string;

    before(async () => {
      sink = await startSmtpSink();
      rebound = await startRebound({ db, env: { REBOUND_RELAY_URL: `smtp://127.0.0.1:${sink.port}` } });
      const t = await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Sonne', notificationEmail: 'info@sonne.example.com', language: 'en' } });
      key = t.body.apiKey;
    });
    after(async () => {
      await rebound?.destroy();
      await sink?.close();
    });

    it('answers 401 without a token, with a wrong token, and with a hotel key on admin endpoints', async () => {
      assert.equal((await rebound.api('POST', '/v1/messages', { body: {} })).status, 401);
      const wrong = await rebound.api('GET', '/v1/messages', { token: 'rb_live_wrong' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'REBOUND_ERR_AUTH_INVALID');
      assert.equal((await rebound.api('POST', '/v1/tenants', { token: key, body: { name: 'x', notificationEmail: 'a@example.com' } })).status, 401);
      assert.equal((await rebound.api('POST', '/v1/tenants', { token: 'x'.repeat(30), body: { name: 'x', notificationEmail: 'a@example.com' } })).status, 401);
    });

    it('answers 401 before reading the body of an unauthenticated request', async () => {
      const { request } = await import('node:http');
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${rebound.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { authorization: 'Bearer nope', 'content-type': 'application/json', 'content-length': String(25 * 1024 * 1024) },
        }, (res) => { res.resume(); resolve(res.statusCode ?? 0); req.destroy(); });
        req.on('error', (e) => { if (!req.destroyed) reject(e); });
        // Only the first kilobyte is ever sent: an answer can only come if the server did not wait for the rest.
        req.write('{"to":"' + 'a'.repeat(1024));
      });
      assert.equal(status, 401);
    });

    const invalid: [string, unknown, string][] = [
      ['no recipient', { subject: 's', text: 't' }, 'to'],
      ['a malformed address', { to: 'not-an-address', subject: 's', text: 't' }, 'to'],
      ['a malformed address in a list', { to: ['ok@example.com', 'bad@'], subject: 's', text: 't' }, 'to.1'],
      ['neither text nor html', { to: 'a@example.com', subject: 's' }, 'text'],
      ['a subject with a line break (header injection)', { to: 'a@example.com', subject: 'a\r\nBcc: victim@example.com', text: 't' }, 'subject'],
      ['an attachment that is not base64', { to: 'a@example.com', subject: 's', text: 't', attachments: [{ filename: 'a.pdf', content: '%%%' }] }, 'attachments.0.content'],
      ['a multipart type for one attachment (would break the MIME structure)', { to: 'a@example.com', subject: 's', text: 't', attachments: [{ filename: 'a.eml', content: 'QUJD', contentType: 'multipart/mixed' }] }, 'attachments.0.contentType'],
      ['base64 with padding in the middle (would be silently truncated)', { to: 'a@example.com', subject: 's', text: 't', attachments: [{ filename: 'a.pdf', content: 'QU=JD=Q==' }] }, 'attachments.0.content'],
      ['base64 of an impossible length', { to: 'a@example.com', subject: 's', text: 't', attachments: [{ filename: 'a.pdf', content: 'A' }] }, 'attachments.0.content'],
      ['51 recipients', { to: Array.from({ length: 51 }, (_, i) => `g${i}@example.com`), subject: 's', text: 't' }, 'to'],
      ['an attachment file name with a path', { to: 'a@example.com', subject: 's', text: 't', attachments: [{ filename: '../etc/passwd', content: 'AAAA' }] }, 'attachments.0.filename'],
      ['an unknown field', { to: 'a@example.com', subject: 's', text: 't', colour: 'red' }, 'body'],
      // NUL is not allowed in a mail message (RFC 5322 §2.2, §3.5) nor storable in PostgreSQL text.
      ['a NUL character in the subject', { to: 'a@example.com', subject: 'a\u0000b', text: 't' }, 'subject'],
      ['a NUL character in the text', { to: 'a@example.com', subject: 's', text: 'a\u0000b' }, 'text'],
      ['a NUL character in a display name', { to: { email: 'a@example.com', name: 'a\u0000b' }, subject: 's', text: 't' }, 'to.name'],
      ['a NUL character in the metadata', { to: 'a@example.com', subject: 's', text: 't', metadata: { k: 'a\u0000b' } }, 'metadata.k'],
      ['a NUL character in the reference', { to: 'a@example.com', subject: 's', text: 't', reference: '\u0000' }, 'reference'],
    ];
    for (const [what, body, field] of invalid) {
      it(`refuses ${what} with 400 naming the field ${field}`, async () => {
        const r = await rebound.api('POST', '/v1/messages', { token: key, body });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'REBOUND_ERR_REQUEST_INVALID');
        assert.equal(r.body.error.field, field);
        assert.ok(r.body.error.message.length > 5);
      });
    }

    it('delivers a forwarded mail (message/rfc822) as an attachment, not inline', async () => {
      const forwarded = 'From: gast@example.net\r\nTo: rezeption@sonne.example.com\r\nSubject: Anfrage\r\n\r\nHaben Sie ein Zimmer frei?\r\n';
      const r = await rebound.api('POST', '/v1/messages', { token: key, body: {
        to: 'rfc822@example.net', subject: 'Weitergeleitet', text: 'Siehe Anhang.',
        attachments: [{ filename: 'anfrage.eml', content: Buffer.from(forwarded).toString('base64'), contentType: 'message/rfc822' }],
      } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const mail = await eventually(async () => sink.mails.find((m) => m.to.includes('rfc822@example.net')) ?? null, 10_000, 'the message at the sink');
      const { simpleParser } = await import('mailparser');
      const parsed = await simpleParser(mail.raw);
      const eml = parsed.attachments.find((a) => a.contentType === 'message/rfc822');
      assert.ok(eml, 'a message/rfc822 attachment');
      assert.equal(eml.contentDisposition, 'attachment');
      assert.equal(eml.filename, 'anfrage.eml');
      assert.equal(eml.content.toString(), forwarded);
      assert.equal(parsed.text?.trim(), 'Siehe Anhang.', 'the forwarded mail is not shown as part of the text');
    });

    it('accepts an attachment of several megabytes and delivers it byte for byte', async () => {
      const pdf = Buffer.alloc(6 * 1024 * 1024);
      for (let i = 0; i < pdf.length; i++) pdf[i] = (i * 31 + (i >> 9)) & 0xff;
      // A hotel of its own: the listing test below counts this hotel's messages.
      const own = (await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Gross', notificationEmail: 'info@gross.example.com' } })).body.apiKey;
      const r = await rebound.api('POST', '/v1/messages', { token: own, body: { to: 'big@example.net', subject: 'Rechnung', text: 'Anbei.', attachments: [{ filename: 'scan-6mb.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' }] } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const mail = await eventually(async () => sink.mails.find((m) => m.to.includes('big@example.net')) ?? null, 20_000, 'the large message at the sink');
      const { simpleParser } = await import('mailparser');
      const parsed = await simpleParser(mail.raw);
      assert.ok(parsed.attachments[0]!.content.equals(pdf));
    });

    it('stores every character as sent, also for messages accepted at the same moment', async () => {
      // Quotes, backslashes, braces and commas are what an array literal escapes; NULL is its null.
      const awkward = ['NULL', 'Zimmer "Seeblick", {Suite}', 'C:\\Buchungen\\2026', 'Grüße aus Köln — 🏔️', "O'Brien", '', ' '];
      const sent = await Promise.all(awkward.map((s, i) => rebound.api('POST', '/v1/messages', {
        token: key,
        body: { to: { email: `awkward-${i}@example.net`, name: s || 'x' }, subject: s, text: `${s}\n`, reference: s, metadata: { note: s, [s || 'leer']: i } },
      })));
      for (const [i, r] of sent.entries()) {
        assert.equal(r.status, 202, JSON.stringify(r.body));
        const m = (await rebound.api('GET', `/v1/messages/${r.body.id}`, { token: key })).body;
        assert.equal(m.subject, awkward[i]);
        assert.equal(m.reference, awkward[i], 'the string NULL is not a null');
        assert.deepEqual(m.metadata, { note: awkward[i], [awkward[i] || 'leer']: i });
      }
    });

    it('refuses a body that is not JSON with 400, and a wrong content type with 415', async () => {
      const r = await rebound.api('POST', '/v1/messages', { token: key, body: '{"to":', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'REBOUND_ERR_REQUEST_INVALID');
      const t = await rebound.api('POST', '/v1/messages', { token: key, body: 'to=a', headers: { 'content-type': 'text/plain' } });
      assert.equal(t.status, 415);
    });

    it('returns the same message for a repeated Idempotency-Key and 409 when the request differs', async () => {
      const body = { to: 'guest@example.com', subject: 'Rechnung', text: 'Anbei', attachments: [{ filename: 'rechnung.pdf', content: Buffer.from('%PDF-1.4 test').toString('base64'), contentType: 'application/pdf' }] };
      const a = await rebound.api('POST', '/v1/messages', { token: key, body, headers: { 'idempotency-key': 'invoice-1' } });
      const b = await rebound.api('POST', '/v1/messages', { token: key, body, headers: { 'idempotency-key': 'invoice-1' } });
      assert.equal(a.status, 202);
      assert.equal(b.status, 202);
      assert.equal(a.body.id, b.body.id);
      const c = await rebound.api('POST', '/v1/messages', { token: key, body: { ...body, subject: 'other' }, headers: { 'idempotency-key': 'invoice-1' } });
      assert.equal(c.status, 409);
      await eventually(async () => sink.mails.some((m) => m.raw.toString().includes('rechnung.pdf')), 10_000, 'the invoice to arrive');
      assert.equal(sink.mails.filter((m) => m.raw.toString().includes('rechnung.pdf')).length, 1, 'sent once');
    });

    it('lists messages newest first with filters and cursor paging', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await rebound.api('POST', '/v1/messages', { token: key, body: { to: `page${i}@example.com`, subject: `Page ${i}`, text: 'x' } });
        assert.equal(r.status, 202);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r: { status: number; body: any } = await rebound.api('GET', `/v1/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: key });
        assert.equal(r.status, 200);
        assert.ok(r.body.data.length <= 2);
        seen.push(...r.body.data.map((m: any) => m.subject));
        cursor = r.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen.slice(0, 5), ['Page 4', 'Page 3', 'Page 2', 'Page 1', 'Page 0']);
      assert.equal(new Set(seen).size, seen.length, 'no message twice across pages');
      const byRecipient = await rebound.api('GET', '/v1/messages?recipient=PAGE3@example.com', { token: key });
      assert.deepEqual(byRecipient.body.data.map((m: any) => m.subject), ['Page 3']);
      const bad = await rebound.api('GET', '/v1/messages?status=lost', { token: key });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, 'status');
      const badCursor = await rebound.api('GET', '/v1/messages?cursor=nonsense', { token: key });
      assert.equal(badCursor.status, 400);
      // Crafted cursors: a NUL (PostgreSQL refuses it in a parameter) or bytes that are not UTF-8, on both lists.
      for (const text of ['2026-12-04T09:33:47.600Z|msg\u0000x', '2026-12-04T09:33:47.600Z|\u0007']) {
        for (const path of ['/v1/messages', '/v1/suppressions']) {
          const crafted = await rebound.api('GET', `${path}?cursor=${Buffer.from(text).toString('base64url')}`, { token: key });
          assert.equal(crafted.status, 400, `${path} ${JSON.stringify(text)}: ${JSON.stringify(crafted.body)}`);
          assert.equal(crafted.body.error.field, 'cursor');
        }
      }
      const notUtf8 = Buffer.concat([Buffer.from('2026-12-04T09:33:47.600Z|msg_'), Buffer.from([0xff, 0xfe])]).toString('base64url');
      assert.equal((await rebound.api('GET', `/v1/messages?cursor=${notUtf8}`, { token: key })).status, 400);
      const future = await rebound.api('GET', `/v1/messages?since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`, { token: key });
      assert.deepEqual(future.body.data, []);
    });

    it('updates a hotel and never shows its API key again', async () => {
      const list = await rebound.api('GET', '/v1/tenants', { token: ADMIN });
      const id = list.body.data[0].id;
      const r = await rebound.api('PATCH', `/v1/tenants/${id}`, { token: ADMIN, body: { language: 'de', sender: { fromName: 'Hotel Sonne am See' } } });
      assert.equal(r.status, 200);
      assert.equal(r.body.language, 'de');
      assert.equal(r.body.sender.fromName, 'Hotel Sonne am See');
      assert.equal(r.body.apiKey, undefined);
      assert.equal((await rebound.api('PATCH', '/v1/tenants/htl_nope', { token: ADMIN, body: { language: 'en' } })).status, 404);
      assert.equal((await rebound.api('PATCH', `/v1/tenants/${id}`, { token: ADMIN, body: { language: 'fr' } })).body.error.field, 'language');
    });

    it('describes itself in an OpenAPI 3 document generated from the validating schemas', async () => {
      const r = await rebound.api('GET', '/openapi.json');
      assert.equal(r.status, 200);
      assert.match(r.body.openapi, /^3\./);
      const post = r.body.paths['/v1/messages'].post;
      const schema = post.requestBody.content['application/json'].schema;
      assert.ok(schema.properties.to && schema.properties.subject && schema.properties.attachments);
      assert.ok(r.body.paths['/v1/messages/{id}'].get.responses['200']);
      assert.ok(r.body.paths['/v1/tenants'].post);
    });
  });
}

describe('a message over REBOUND_MAX_MESSAGE_BYTES', () => {
  it('is refused with 413 naming what made it large', async () => {
    const rebound = await startRebound({ env: { REBOUND_MAX_MESSAGE_BYTES: '4096' } });
    try {
      const key = (await rebound.api('POST', '/v1/tenants', { token: ADMIN, body: { name: 'Hotel Klein', notificationEmail: 'info@klein.example.com' } })).body.apiKey;
      const html = `<p>${'Grüße aus dem Allgäu – '.repeat(200)}</p>`;
      const cases: [unknown, string][] = [
        [{ to: 'g@example.net', subject: 's', html }, 'html'],
        [{ to: 'g@example.net', subject: 's', text: 'Grüße '.repeat(1000) }, 'text'],
        [{ to: 'g@example.net', subject: 's', text: 'x', attachments: [{ filename: 'a.pdf', content: Buffer.alloc(5000, 7).toString('base64') }] }, 'attachments'],
      ];
      for (const [body, field] of cases) {
        const r = await rebound.api('POST', '/v1/messages', { token: key, body });
        assert.equal(r.status, 413, JSON.stringify(r.body));
        assert.equal(r.body.error.field, field);
      }
    } finally {
      await rebound.destroy();
    }
  });
});
