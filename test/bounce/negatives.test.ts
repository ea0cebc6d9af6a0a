/**
 * Messages that are NOT delivery reports must never become bounces. A guest's ordinary reply to the VERP
 * Return-Path that mentions an address would otherwise mark the guest as bounced and send the hotel a false
 * "could not be delivered" notice quoting the guest's private text. Positive plain-text reports (English,
 * German, a delay warning) live in test/fixtures/bounces with rows in fixtures.expected.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyse } from '../../src/bounce/index.ts';
import { prng } from '../helpers/prng.ts';


const mail = (...lines: string[]): string => lines.join('\r\n') + '\r\n';

/** [label, message]: each must come out 'unknown' with no recipients. */
const NEGATIVES: ReadonlyArray<readonly [string, string]> = [
  ['the reproduction: a short note with an address', mail('Subject: hello', 'From: guest@example.net', '', 'Hi, please write to me at foo@bar.example thanks')],
  ['bare text with an address', 'just text with a@b in it\n'],
  ['an ordinary guest reply with addresses in it', mail(
    'Return-Path: <guest@example.net>', 'From: Jane Guest <guest@example.net>', 'To: Hotel Example <bounces+b4711@notifications.example.com>',
    'Subject: Re: Your booking confirmation', 'Message-ID: <reply-1@example.net>', 'Content-Type: text/plain; charset=utf-8', '',
    'Hello,', '', 'thanks for the confirmation. My husband john.guest@example.org will also arrive late, around 11 pm.',
    'Could you send a copy of the invoice to accounting@company.example?', '', 'Best regards', 'Jane', '',
    'On Mon, 3 Mar 2025, Hotel Example <reservations@example.com> wrote:', '> Thank you for your booking 4711.', '> Questions? frontdesk@example.com',
  )],
  ['a German guest reply: "Bitte schicken Sie die Rechnung an …"', mail(
    'From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>', 'To: bounces+b4712@notifications.example.com', 'Subject: Rechnung',
    'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '',
    'Sehr geehrte Damen und Herren,', '', 'bitte schicken Sie die Rechnung an buchhaltung@firma.example und nicht an mich.',
    'Die Adresse juergen@example.de ist nur privat.', '', 'Mit freundlichen Grüßen', 'Jürgen Müller',
  )],
  ['a human with subject "Re: Ihre Buchung" quoting our message', mail(
    'Return-Path: <anna.schmidt@example.at>', 'From: Anna Schmidt <anna.schmidt@example.at>', 'To: Hotel Beispiel <bounces+b4713@notifications.example.com>',
    'Subject: Re: Ihre Buchung', 'In-Reply-To: <booking-4713@example.com>', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '',
    'Hallo,', '', 'wir kommen erst am Samstag. Die Bestätigung bitte auch an max.schmidt@example.at.', '',
    'Viele Grüße', 'Anna', '', '-----Ursprüngliche Nachricht-----', 'Von: Hotel Beispiel <reservierung@example.com>', 'An: anna.schmidt@example.at',
    'Betreff: Ihre Buchung', '', 'Vielen Dank für Ihre Buchung. Bei Fragen: rezeption@example.com',
  )],
  ['a newsletter / spam mail', mail(
    'From: Deals <offers@spam.example>', 'To: bounces+b4714@notifications.example.com', 'Subject: Huge sale - 50% off!!!', 'Precedence: bulk',
    'List-Unsubscribe: <mailto:unsub@spam.example>', '', 'Buy now at sales@spam.example - 50% off everything.', '',
    'Questions? support@spam.example', 'To unsubscribe write to unsub@spam.example',
  )],
  ['spam that talks about failed delivery', mail(
    'From: Parcel Service <noreply@parcels.example>', 'Subject: Your delivery failed', '',
    'Your parcel could not be delivered. Contact us at claims@parcels.example: 550 reasons to buy.',
  )],
  ['a spoofed mailer-daemon with report wording but no failed recipient', mail(
    'Return-Path: <>', 'From: MAILER-DAEMON@spam.example', 'Subject: Undeliverable', '', 'Buy now at sales@spam.example', 'Visit shop@spam.example today',
  )],
  ['a postmaster writing an ordinary mail', mail(
    'From: Postmaster <postmaster@partner.example>', 'Subject: Neue Ansprechpartnerin', '',
    'Ab Montag ist frau.weber@partner.example Ihre Ansprechpartnerin.',
  )],
  ['a forwarded ordinary mail (message/rfc822)', mail(
    'From: Anna <anna@example.org>', 'To: bounces+b4715@notifications.example.com', 'Subject: Fwd: Dinner', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'FYI, see below.', '--b', 'Content-Type: message/rfc822', '',
    'From: bob@example.com', 'To: anna@example.org', 'Subject: Dinner', '', 'carol@example.net: please call about dinner.', '--b--',
  )],
  ['a forwarded ordinary mail (inline)', mail(
    'From: Anna <anna@example.org>', 'Subject: Fwd: Dinner', '', 'FYI', '', '---------- Forwarded message ---------',
    'From: Bob <bob@example.com>', 'To: anna@example.org', 'Subject: Dinner', '', 'carol@example.net: please call about dinner.',
  )],
  ['a person pasting a lone DSN field', mail(
    'From: guest@example.net', 'Subject: question', '', 'What does this mean?', '', 'Final-Recipient: rfc822; friend@example.org',
  )],
];

describe('messages that are not delivery reports', () => {
  for (const [label, raw] of NEGATIVES) {
    it(`${label} → unknown, no recipients`, () => {
      const r = analyse(raw);
      assert.equal(r.kind, 'unknown', label);
      assert.deepEqual(r.recipients, [], label);
    });
  }

  it('random bytes from a seeded PRNG → unknown, no recipients', () => {
    const random = prng(4711);
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(16 + Math.floor(random() * 4000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      const r = analyse(bytes);
      assert.equal(r.kind, 'unknown', `blob ${i}`);
      assert.equal(r.recipients.length, 0, `blob ${i}`);
    }
  });

  it('random printable text full of @ signs → unknown, no recipients', () => {
    const random = prng(815);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789.@@@ \n:<>-';
    for (let i = 0; i < 200; i++) {
      let s = '';
      const n = 20 + Math.floor(random() * 2000);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
      const r = analyse(s);
      assert.equal(r.recipients.length, 0, `text ${i}`);
    }
  });

  it('an out-of-office reply is an autoreply, not a bounce', () => {
    const r = analyse(mail('From: Jane Guest <guest@example.net>', 'Subject: Automatische Antwort: Ihre Buchung', 'Auto-Submitted: auto-replied', '',
      'Ich bin bis 10. März nicht im Büro. In dringenden Fällen: vertretung@example.net'));
    assert.equal(r.kind, 'autoreply');
    assert.ok(r.recipients.every((x) => x.action !== 'failed'));
  });
});

describe('plain-text reports that stay reports', () => {
  it('a mailer-daemon report with a recipient next to an SMTP reply is a bounce', () => {
    const r = analyse(mail('Return-Path: <>', 'From: Mail Delivery System <MAILER-DAEMON@mx.provider.example>', 'Subject: Undelivered Mail', '',
      'Delivery to the following recipient failed permanently:', '', '    guest@example.org', '', '550 5.1.1 User unknown'));
    assert.equal(r.kind, 'bounce');
    assert.deepEqual(r.recipients.map((x) => [x.address, x.status, x.reason]), [['guest@example.org', '5.1.1', 'userunknown']]);
  });

  it('a German "Nicht zustellbar" report with only a failure phrase is a bounce', () => {
    const r = analyse(mail('Return-Path: <>', 'From: postmaster@mail.anbieter.example', 'Subject: Nicht zustellbar', 'Content-Type: text/plain; charset=utf-8', '',
      'Ihre Nachricht konnte nicht zugestellt werden.', '', 'gast@example.de: Postfach voll'));
    assert.equal(r.kind, 'bounce');
    assert.deepEqual(r.recipients.map((x) => [x.address, x.reason]), [['gast@example.de', 'mailboxfull']]);
  });

  it('a plain-text delay warning is a delay with action delayed and a 4.x.x status', () => {
    const r = analyse(mail('From: MAILER-DAEMON@relay.provider.example', 'Subject: Warning: message delayed', '',
      'THIS IS A WARNING MESSAGE ONLY. YOU DO NOT NEED TO RESEND YOUR MESSAGE.', '', 'Delivery to the following recipients has been delayed:', '',
      '    guest@example.org', '', 'Reason: 451 4.4.0 Temporary lookup failure. Will be retried.'));
    assert.equal(r.kind, 'delay');
    assert.equal(r.recipients.length, 1);
    assert.equal(r.recipients[0].action, 'delayed');
    assert.match(r.recipients[0].status ?? '', /^4\./);
  });
});
