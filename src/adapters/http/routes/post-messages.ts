import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { SendMessageSchema, sendMessage } from '../../../app/send-message.ts';
import { ReboundError } from '../../../errors.ts';

export default defineRoute({
  method: 'POST', url: '/v1/messages', auth: 'tenant', summary: 'Send a message to guests. Stored and queued in one transaction.', tags: ['messages'],
  body: SendMessageSchema,
  headers: { 'idempotency-key': { description: 'Repeat a request safely: the same key returns the same message (24 h scope not limited).' } },
  responses: {
    202: { description: 'Accepted and queued', schema: z.object({ id: z.string(), status: z.string() }) },
    409: { description: 'Idempotency-Key reused with a different request' },
  },
  async handler(ctx, req, reply) {
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' && key.length > 0 ? key : null;
    if (idempotencyKey && (idempotencyKey.length > 200 || /[^\x21-\x7e]/.test(idempotencyKey))) {
      throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'Idempotency-Key: at most 200 printable ASCII characters', 'Idempotency-Key');
    }
    const accepted = await sendMessage(ctx, req.tenant!, req.body, idempotencyKey);
    reply.code(202);
    return { id: accepted.id, status: accepted.status };
  },
});
