import type { Transaction } from 'kysely';
import type { AppContext } from './context.ts';
import type { Database } from '../adapters/db/schema.ts';
import { iso } from './context.ts';
import { recordOutcome, type Outcome } from './record-outcome.ts';
import { verdictForReply } from '../bounce/index.ts';
import { mailgunRefusal, verifyMailgunWebhook, type MailgunEvent, type MailgunWebhookRefusal } from '../adapters/mailgun/webhook.ts';

/**
 * Mailgun event webhooks in (POST /v1/webhooks/mailgun): verified, matched to our recipient row, and
 * recorded through recordOutcome like every other outcome. Answers 200 once the event is stored (or
 * was already), 406 for anything refused — Mailgun does not retry a 406 — with nothing changed.
 *
 * The signature token is recorded in the same transaction that applies the event, so a failed apply
 * does not burn it (Mailgun's retry would otherwise be refused as a replay); Mailgun's event id is the
 * dedupe key, so the same event posted twice changes nothing.
 */

export type MailgunWebhookAnswer =
  | { status: 200; body: { status: 'recorded' | 'duplicate' | 'ignored'; recipientStatus?: string } }
  | { status: 406; body: { error: { code: string; message: string } }; refusal: MailgunWebhookRefusal['code'] };

/** Tokens are only needed while a post could still pass the freshness check; a day is ample. */
const TOKEN_RETENTION_MS = 24 * 3600 * 1000;

class ReplayedToken extends Error {}

const refused = (r: MailgunWebhookRefusal): MailgunWebhookAnswer => ({ status: 406, body: { error: { code: r.errorCode, message: r.message } }, refusal: r.code });

export async function receiveMailgunWebhook(ctx: AppContext, signingKey: string, body: Buffer | string): Promise<MailgunWebhookAnswer> {
  const verified = verifyMailgunWebhook(body, { signingKey, now: () => ctx.now().getTime() });
  if (!verified.ok) return refused(verified.refusal);
  const event = verified.event;
  const guard = async (trx: Transaction<Database>) => {
    const inserted = await trx.insertInto('mailgun_webhook_tokens').values({ token: event.token, received_at: iso(ctx.now()) })
      .onConflict((oc) => oc.column('token').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new ReplayedToken();
  };

  try {
    if (event.type === 'other') {
      // opened, clicked, accepted, …: not part of the event model; acknowledged so Mailgun stops.
      await ctx.db.kysely.transaction().execute(guard);
      return { status: 200, body: { status: 'ignored' } };
    }
    const recipientId = await findRecipient(ctx, event);
    if (!recipientId) return refused(mailgunRefusal('unknown_message', 'the event is not about a message sent by this system'));
    const result = await recordOutcome(ctx, recipientId, outcomeFor(event), { guard });
    await pruneTokens(ctx);
    return { status: 200, body: { status: result.duplicate ? 'duplicate' : 'recorded', recipientStatus: result.status } };
  } catch (e) {
    if (e instanceof ReplayedToken) return refused(mailgunRefusal('replayed', 'signature token was already used'));
    throw e;
  }
}

/** By our reference (the message id, passed as v:rebound-ref) and the address; else by the Message-ID. */
async function findRecipient(ctx: AppContext, event: MailgunEvent): Promise<string | null> {
  const k = ctx.db.kysely;
  const address = (event.recipient ?? '').toLowerCase();
  const byMessage = async (messageId: string) => {
    const row = await k.selectFrom('recipients').select('id').where('message_id', '=', messageId)
      .where((eb) => eb(eb.fn('lower', ['address']), '=', address)).executeTakeFirst();
    return row?.id ?? null;
  };
  if (event.reference) {
    const id = await byMessage(event.reference);
    if (id) return id;
  }
  if (event.messageId) {
    const message = await k.selectFrom('messages').select('id').where('message_id_header', '=', event.messageId).executeTakeFirst();
    if (message) return await byMessage(message.id);
  }
  return null;
}

function outcomeFor(event: MailgunEvent): Outcome {
  const ds = event.deliveryStatus;
  const remoteMta = ds?.mxHost ?? null;
  const base = {
    source: 'mailgun' as const,
    remoteMta,
    dedupeKey: `mailgun:${event.eventId}`,
    details: { mailgunEvent: event.mailgunEvent, severity: event.severity, mailgunReason: event.reasonHint, mailgunEventId: event.eventId, description: ds?.description || null },
  };
  switch (event.type) {
    case 'failed': {
      const permanent = event.severity === 'permanent';
      // The same analyser rules that read bounce mails decide the reason, from the provider's text.
      const c = verdictForReply({ address: event.recipient!, replyCode: ds?.code ?? null, status: ds?.enhancedCode ?? null, text: event.remoteError, remoteMta, command: null, action: permanent ? 'failed' : 'delayed' });
      return {
        ...base,
        type: permanent ? 'bounced' : 'deferred',
        statusCode: ds?.enhancedCode ?? c.status,
        replyCode: ds?.code ?? null,
        reason: c.reason,
        hardBounce: permanent ? c.hardBounce : undefined,
        // delivery-status.message (else description), verbatim: what the hotel is shown 1:1.
        diagnostic: event.remoteError,
        // Mailgun retries a temporary failure itself; the worker does not.
        nextAttemptAt: null,
        details: { ...base.details, reasonFrom: c.reasonFrom },
      };
    }
    case 'delivered':
      return { ...base, type: 'delivered', statusCode: ds?.enhancedCode ?? null, replyCode: ds?.code ?? null, reason: null, diagnostic: ds?.message || null };
    case 'complained':
      return { ...base, type: 'complained', statusCode: null, replyCode: null, reason: 'feedback', diagnostic: null };
    default:
      return { ...base, type: 'unsubscribed', statusCode: null, replyCode: null, reason: null, diagnostic: null };
  }
}

async function pruneTokens(ctx: AppContext): Promise<void> {
  await ctx.db.kysely.deleteFrom('mailgun_webhook_tokens').where('received_at', '<', iso(new Date(ctx.now().getTime() - TOKEN_RETENTION_MS))).execute();
}
