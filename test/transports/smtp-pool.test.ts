import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { SmtpPool } from '../../src/adapters/transports/smtp-pool.ts';

/** A real SMTP server that counts sessions and can refuse or drop on request. */
async function startServer() {
  const state = {
    sessions: 0,
    open: 0,
    maxOpen: 0,
    logins: 0,
    received: [] as { from: string; to: string[]; body: string }[],
    /** The next MAIL FROM on a session that already sent a message is answered 421 (server shutting down). */
    dropReusedOnce: false,
  };
  const server = new SMTPServer({
    logger: false, disableReverseLookup: true, disabledCommands: ['STARTTLS'], allowInsecureAuth: true, authOptional: true, closeTimeout: 100,
    onConnect(_s, cb) { state.sessions++; state.open++; state.maxOpen = Math.max(state.maxOpen, state.open); cb(); },
    onClose() { state.open--; },
    onAuth(auth, _s, cb) {
      if (auth.username === 'hotel' && auth.password === 'correct-horse') { state.logins++; return cb(null, { user: 'hotel' }); }
      cb(Object.assign(new Error('5.7.8 Error: authentication failed'), { responseCode: 535 }));
    },
    onMailFrom(_a, session, cb) {
      if (state.dropReusedOnce && session.transaction > 1) {
        state.dropReusedOnce = false;
        return cb(Object.assign(new Error('4.3.2 Service shutting down'), { responseCode: 421 }));
      }
      cb();
    },
    onRcptTo(a, _s, cb) {
      if (a.address.startsWith('nobody@')) return cb(Object.assign(new Error(`5.1.1 <${a.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      let body = '';
      stream.on('data', (c: Buffer) => { body += c.toString(); });
      stream.on('end', () => {
        state.received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), body });
        cb(null, 'Ok: queued as 4XyZ12');
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { state, port: (server.server.address() as net.AddressInfo).port, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

const raw = (i: number) => Buffer.from(`From: reception@hotel-example.com\r\nTo: guest-${i}@example.net\r\nSubject: Buchung ${i}\r\nMessage-ID: <p${i}@rebound.example.com>\r\n\r\nGuten Tag ${i}\r\n.starts with a dot\r\n`);
const waitFor = async (cond: () => boolean) => { for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10)); assert.ok(cond(), 'condition not reached within 2 s'); };

describe('the relay connection pool', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => { server = await startServer(); });
  after(() => server.stop());
  beforeEach(() => { Object.assign(server.state, { sessions: 0, maxOpen: server.state.open, logins: 0, received: [], dropReusedOnce: false }); });
  const pool = (extra: Partial<ConstructorParameters<typeof SmtpPool>[0]> = {}) => new SmtpPool({ connection: { host: '127.0.0.1', port: server.port, ignoreTLS: true }, auth: null, max: 3, ...extra });

  it('sends every message over at most `max` sessions, reusing them, with the bytes intact (dot-stuffed on the wire)', async () => {
    const p = pool();
    const infos = await Promise.all(Array.from({ length: 30 }, (_, i) => p.send({ from: 'bounces+r@notifications.example.com', to: [`guest-${i}@example.net`] }, raw(i))));
    await p.close();
    assert.equal(infos.length, 30);
    assert.ok(infos.every((x) => x.response.startsWith('250') && x.accepted.length === 1));
    assert.equal(server.state.received.length, 30);
    assert.ok(server.state.sessions <= 3, `${server.state.sessions} sessions for max 3`);
    for (let i = 0; i < 30; i++) {
      const got = server.state.received.find((m) => m.to[0] === `guest-${i}@example.net`);
      assert.equal(got?.body, raw(i).toString(), `message ${i}`);
    }
  });

  it('fails only the refused message; the session is reset and carries the next one', async () => {
    const p = pool({ max: 1 });
    await assert.rejects(p.send({ from: 'b@notifications.example.com', to: ['nobody@example.net'] }, raw(1)),
      (e: Error & { code?: string; responseCode?: number; response?: string }) => e.code === 'EENVELOPE' && e.responseCode === 550 && /User unknown/.test(e.response ?? ''));
    const info = await p.send({ from: 'b@notifications.example.com', to: ['guest-2@example.net'] }, raw(2));
    await p.close();
    assert.match(info.response, /^250/);
    assert.equal(server.state.sessions, 1, 'the refusal did not cost the session');
    assert.deepEqual(server.state.received.map((m) => m.to), [['guest-2@example.net']]);
  });

  it('a reused session the server ends (421) before the message is sent: the message goes out over a new one, not failed', async () => {
    const p = pool({ max: 1 });
    await p.send({ from: 'b@notifications.example.com', to: ['guest-1@example.net'] }, raw(1));
    server.state.dropReusedOnce = true;
    const info = await p.send({ from: 'b@notifications.example.com', to: ['guest-2@example.net'] }, raw(2));
    await p.close();
    assert.match(info.response, /^250/);
    assert.equal(server.state.sessions, 2);
    assert.deepEqual(server.state.received.map((m) => m.to[0]), ['guest-1@example.net', 'guest-2@example.net']);
  });

  it('logs in once per session when the server offers AUTH; a wrong password fails with EAUTH and frees the slot', async () => {
    const good = pool({ max: 2, auth: { user: 'hotel', pass: 'correct-horse' } });
    await Promise.all(Array.from({ length: 6 }, (_, i) => good.send({ from: 'b@notifications.example.com', to: [`guest-${i}@example.net`] }, raw(i))));
    await good.close();
    assert.equal(server.state.logins, server.state.sessions);
    assert.ok(server.state.sessions >= 1 && server.state.sessions <= 2);

    const bad = pool({ max: 1, auth: { user: 'hotel', pass: 'wrong' } });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(bad.send({ from: 'b@notifications.example.com', to: ['guest@example.net'] }, raw(9)), (e: Error & { code?: string }) => e.code === 'EAUTH');
    }
    await bad.close();
  });

  it('closes sessions idle longer than idleMs and opens a new one when needed', async () => {
    const p = pool({ max: 1, idleMs: 30 });
    await p.send({ from: 'b@notifications.example.com', to: ['guest-1@example.net'] }, raw(1));
    await waitFor(() => server.state.open === 0);
    await p.send({ from: 'b@notifications.example.com', to: ['guest-2@example.net'] }, raw(2));
    await p.close();
    assert.equal(server.state.sessions, 2);
  });

  it('nothing listening: every send fails with a network error instead of hanging', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const p = new SmtpPool({ connection: { host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 2000 }, auth: null, max: 1 });
    const results = await Promise.allSettled([1, 2, 3].map((i) => p.send({ from: 'b@x.example', to: ['g@example.net'] }, raw(i))));
    await p.close();
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.ok(results.every((r) => r.status === 'rejected' && ['ECONNECTION', 'ESOCKET'].includes((r.reason as { code?: string }).code ?? '')));
  });

  it('a server that refuses and hangs up (before or during RSET) costs the session, not the pool', async () => {
    // 550 at RCPT for bad-* and then the connection is closed: the RSET that would keep the session never gets a reply.
    let sessions = 0;
    const server = net.createServer((sock) => {
      sessions++;
      let buf = '';
      let inData = false;
      const w = (l: string) => sock.write(`${l}\r\n`);
      sock.on('error', () => {});
      w('220 mini ESMTP');
      sock.on('data', (d) => {
        buf += d.toString();
        for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (inData) { if (line === '.') { inData = false; w('250 2.0.0 queued'); } continue; }
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === 'EHLO' || verb === 'HELO') w('250 mini');
          else if (verb === 'RCPT' && /<bad/.test(line)) { w('550 5.1.1 User unknown'); sock.end(); }
          else if (verb === 'DATA') { inData = true; w('354 go ahead'); }
          else if (verb === 'QUIT') { w('221 bye'); sock.end(); }
          else w('250 ok');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = new SmtpPool({ connection: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, ignoreTLS: true }, auth: null, max: 2 });
    try {
      const refused = await Promise.allSettled([1, 2, 3, 4].map((i) => p.send({ from: 'b@x.example', to: [`bad-${i}@example.net`] }, raw(i))));
      assert.ok(refused.every((r) => r.status === 'rejected' && (r.reason as { responseCode?: number }).responseCode === 550));
      // Four refusals with hang-ups on a pool of two: both places must be free again.
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the pool has no free session left')), 5000));
      const infos = await Promise.race([Promise.all([5, 6, 7].map((i) => p.send({ from: 'b@x.example', to: [`good-${i}@example.net`] }, raw(i)))), timeout]);
      assert.equal(infos.length, 3);
      assert.ok(infos.every((x) => x.response.startsWith('250')));
      assert.ok(sessions >= 5);
    } finally {
      await p.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
