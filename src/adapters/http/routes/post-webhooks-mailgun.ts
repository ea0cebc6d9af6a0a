import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { receiveMailgunWebhook } from '../../../app/mailgun-events.ts';
import { ReboundError } from '../../../errors.ts';

export default defineRoute({
  method: 'POST', url: '/v1/webhooks/mailgun', auth: 'none', rawBody: true, tags: ['providers'],
  summary: "Mailgun event webhooks (failed, delivered, complained, unsubscribed). No bearer token: the body's HMAC signature, made with REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY, is checked instead.",
  responses: {
    200: { description: 'Recorded (or already recorded, or an event type Rebound does not track)', schema: z.object({ status: z.enum(['recorded', 'duplicate', 'ignored']), recipientStatus: z.string().optional() }) },
    406: { description: 'Refused, nothing changed (bad signature, stale, replayed, malformed, unknown message); Mailgun does not retry it' },
    503: { description: 'Mailgun webhooks are not configured here' },
  },
  async handler(ctx, req, reply) {
    const signingKey = ctx.config.mailgunWebhookSigningKey;
    if (!signingKey) throw new ReboundError('REBOUND_ERR_UNAVAILABLE', 'Mailgun webhooks are not configured (REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY).');
    const body = req.raw.body;
    const answer = await receiveMailgunWebhook(ctx, signingKey, Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : '');
    if (answer.status === 406) ctx.log.warn({ refusal: answer.refusal }, `Mailgun webhook refused: ${answer.body.error.message}`);
    reply.code(answer.status);
    return answer.body;
  },
});
