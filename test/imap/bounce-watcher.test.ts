import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { checkMailboxOnce, memoryCursorStore, startBounceWatcher, type ClassifyMessage } from '../../src/adapters/imap/bounce-watcher.ts';
import { imapWatcherSchema } from '../../src/domain/smtp-route.ts';
import { DOVECOT_BINARY, dovecotAvailable, startDovecot, type TestDovecot } from '../helpers/dovecot.ts';

const OUR_MESSAGE_ID = '<m-4711.guest@rebound.example.com>';
const FOREIGN_MESSAGE_ID = '<newsletter-99@hotel-example.com>';

function dsn(returnedMessageId: string, guest: string): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.hotel-example.com>',
    'To: reception@hotel-example.com',
    `Subject: Undelivered Mail Returned to Sender (${guest})`,
    `Message-ID: <bounce-${guest}@mx.hotel-example.com>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    `<${guest}>: host mx.example.net said: 550 5.1.1 <${guest}>: Recipient address rejected: User unknown`,
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.hotel-example.com',
    '',
    `Final-Recipient: rfc822; ${guest}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${guest}>: Recipient address rejected: User unknown`,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    'From: reception@hotel-example.com',
    `To: ${guest}`,
    'Subject: Ihre Buchungsbestätigung',
    `Message-ID: ${returnedMessageId}`,
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

const AUTO_REPLY = [
  'From: Guest <guest@example.net>',
  'To: reception@hotel-example.com',
  'Subject: Abwesenheitsnotiz: Ihre Buchungsbestätigung',
  'Message-ID: <ooo-1@example.net>',
  'Auto-Submitted: auto-replied',
  `In-Reply-To: ${OUR_MESSAGE_ID}`,
  '',
  'Ich bin bis zum 10. nicht im Büro.',
  '',
].join('\r\n');

const ORDINARY = [
  'From: Supplier <orders@bakery-example.com>',
  'To: reception@hotel-example.com',
  'Subject: Lieferung morgen',
  'Message-ID: <order-7@bakery-example.com>',
  '',
  'Die Brötchen kommen um 6 Uhr.',
  '',
].join('\r\n');

/**
 * Stands in for the analyser + database the worker wires in: a delivery report whose returned
 * Message-ID is one "we" sent. The auto-reply quotes our Message-ID too, and must not count.
 */
const ourMessageIds = new Set([OUR_MESSAGE_ID]);
const classify: ClassifyMessage = async (raw) => {
  const text = raw.toString('utf8');
  const isReport = /^Content-Type: multipart\/report/im.test(text);
  const returned = /^Message-ID: (<[^>]+>)\s*$/gim;
  const ids = [...text.matchAll(returned)].map((m) => m[1]!);
  return { ours: isReport && ids.some((id) => ourMessageIds.has(id)) };
};

interface Snapshot {
  folder: string;
  messageId: string;
  flags: string[];
}

/** Every message in every folder, seen from a fresh session (a long-lived one may not have been told of the move yet). */
async function snapshot(dovecot: TestDovecot): Promise<Snapshot[]> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.username, pass: dovecot.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  try {
    return await snapshotWith(client);
  } finally {
    await client.logout();
  }
}

async function snapshotWith(client: ImapFlow): Promise<Snapshot[]> {
  const rows: Snapshot[] = [];
  for (const folder of await client.list()) {
    if (folder.flags.has('\\Noselect') || folder.flags.has('\\NonExistent')) continue; // "Rebound", parent of "Rebound.Bounces"
    const lock = await client.getMailboxLock(folder.path, { readOnly: true });
    try {
      if ((client.mailbox && client.mailbox.exists) || 0) {
        for await (const m of client.fetch('1:*', { uid: true, flags: true, envelope: true })) {
          // \Recent belongs to the IMAP session, not to the message (RFC 3501 §2.3.2).
          rows.push({ folder: folder.path, messageId: m.envelope?.messageId ?? '', flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort() });
        }
      }
    } finally {
      lock.release();
    }
  }
  return rows.sort((a, b) => a.messageId.localeCompare(b.messageId));
}

const skip = dovecotAvailable() ? false : `${DOVECOT_BINARY} is not installed (apt-get install -y dovecot-imapd; .ci/run installs it)`;

describe('the IMAP bounce watcher against a real Dovecot', { skip }, () => {
  let dovecot: TestDovecot;
  let admin: ImapFlow;
  const settingsFor = (overrides: Record<string, unknown> = {}) =>
    imapWatcherSchema.parse({ host: '127.0.0.1', port: dovecot.port, tls: false, username: dovecot.username, password: dovecot.password, ...overrides });

  before(async () => {
    dovecot = await startDovecot();
    admin = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.username, pass: dovecot.password }, logger: false });
    admin.on('error', () => {});
    await admin.connect();
  });
  after(async () => {
    await admin?.logout().catch(() => admin.close());
    await dovecot?.stop();
  });

  it('moves only the bounce for our message and leaves the auto-reply, a foreign bounce and ordinary mail untouched', async () => {
    await admin.append('INBOX', ORDINARY, ['\\Seen', '\\Flagged']);
    await admin.append('INBOX', AUTO_REPLY, []);
    await admin.append('INBOX', dsn(OUR_MESSAGE_ID, 'nobody@example.net'), []);
    await admin.append('INBOX', dsn(FOREIGN_MESSAGE_ID, 'old@example.net'), ['\\Seen']);
    const before = await snapshot(dovecot);

    const cursorStore = memoryCursorStore();
    const result = await checkMailboxOnce({ settings: settingsFor(), classify, cursorStore, timeoutMs: 5000 });

    assert.equal(result.examined.length, 4, dovecot.log());
    assert.equal(result.moved.length, 1);
    assert.deepEqual(result.failed, []);
    assert.equal(result.destination, 'Rebound.Bounces'); // Dovecot's Maildir++ separator is "."

    const after = await snapshot(dovecot);
    const expected = before.map((row) => (row.messageId === '<bounce-nobody@example.net@mx.hotel-example.com>' ? { ...row, folder: 'Rebound.Bounces' } : row));
    assert.deepEqual(after, expected);
    // The moved bounce was read with BODY.PEEK[]: still unseen for the hotel.
    assert.deepEqual(after.find((r) => r.folder === 'Rebound.Bounces')!.flags, []);

    const folders = await admin.list();
    assert.ok(folders.find((f) => f.path === 'Rebound.Bounces')?.subscribed, 'the new folder is subscribed so the hotel sees it');

    const again = await checkMailboxOnce({ settings: settingsFor(), classify, cursorStore, timeoutMs: 5000 });
    assert.deepEqual(again.examined, [], 'the next run starts after the last examined message');
    assert.deepEqual(await snapshot(dovecot), after);
  });

  it('keeps a message whose classification failed in place and examines it again next time', async () => {
    const folder = 'Retry';
    await admin.mailboxCreate(folder);
    await admin.append(folder, dsn(OUR_MESSAGE_ID, 'retry@example.net'), ['\\Seen']);
    const cursorStore = memoryCursorStore();
    let calls = 0;
    const flaky: ClassifyMessage = async (raw) => {
      calls += 1;
      if (calls === 1) throw new Error('database is locked');
      return classify(raw);
    };
    const settings = settingsFor({ folder, moveTo: 'Rebound/Retried' });

    const first = await checkMailboxOnce({ settings, classify: flaky, cursorStore, timeoutMs: 5000 });
    assert.equal(first.failed.length, 1);
    assert.equal(first.failed[0]!.error, 'database is locked');
    assert.deepEqual(first.moved, []);
    assert.equal(first.cursor.lastUid, 0);

    const second = await checkMailboxOnce({ settings, classify: flaky, cursorStore, timeoutMs: 5000 });
    assert.equal(second.moved.length, 1);
    assert.equal(second.destination, 'Rebound.Retried');
  });

  it('runs on its own timer and stops cleanly', async () => {
    const folder = 'Timer';
    await admin.mailboxCreate(folder);
    await admin.append(folder, dsn(OUR_MESSAGE_ID, 'timer@example.net'), []);
    const results: number[] = [];
    const watcher = startBounceWatcher({
      settings: settingsFor({ folder }),
      classify,
      intervalMs: 20,
      timeoutMs: 5000,
      onResult: (r) => results.push(r.moved.length),
    });
    const deadline = Date.now() + 5000;
    while (!results.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await watcher.stop();
    assert.equal(results[0], 1, 'the first timed run moved the bounce');
    assert.ok(results.slice(1).every((moved) => moved === 0), 'later runs find nothing new');
  });
});
