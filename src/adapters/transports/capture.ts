import type { Db } from '../db/database.ts';
import { decodeEncodedWords } from '../../bounce/mime/encoded-words.ts';
import type { OutboundMail, SendResult, Transport } from './types.ts';

/**
 * The embedded default route: with no relay configured, outbound mail is kept in a local mailbox
 * (`rebound outbox`, `GET /v1/admin/captured`) and nothing leaves the machine.
 */
export class CaptureTransport implements Transport {
  readonly kind = 'capture';
  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  async send(mail: OutboundMail): Promise<SendResult> {
    const head = mail.raw.subarray(0, 64 * 1024).toString('utf8');
    const folded = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, ' ');
    const subject = folded === undefined ? null : decodeEncodedWords(folded);
    const inserted = await this.db.kysely.insertInto('captured_mail').values({
      created_at: this.now().toISOString(),
      envelope_from: mail.envelopeFrom,
      envelope_to: mail.envelopeTo.join(', '),
      message_id: mail.messageId,
      subject,
      raw: mail.raw,
    }).returning('id').executeTakeFirst();
    const id = String(inserted?.id ?? '');
    return {
      recipients: mail.envelopeTo.map((address) => ({ address, result: 'accepted', replyCode: '250', status: '2.0.0', response: `250 2.0.0 Captured locally as #${id} (no relay configured)`, command: 'DATA' })),
      remoteMta: 'capture',
      remoteId: id,
    };
  }

  async close(): Promise<void> {}
}
