import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { listCaptured } from '../../../app/captured.ts';

export default defineRoute({
  method: 'GET', url: '/v1/captured', auth: 'admin', summary: 'The local capture mailbox: what would have left the machine with no relay configured.', tags: ['operations'],
  query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20), raw: z.enum(['true', 'false']).default('false') }).strict(),
  responses: { 200: { description: 'Captured mail, newest first', schema: z.object({ data: z.array(z.object({
    id: z.number(), createdAt: z.string(), envelopeFrom: z.string(), envelopeTo: z.string(), messageId: z.string().nullable(), subject: z.string().nullable(), raw: z.string().optional(),
  })) }) } },
  async handler(ctx, req) {
    return { data: await listCaptured(ctx, req.query.limit, req.query.raw === 'true') };
  },
});
