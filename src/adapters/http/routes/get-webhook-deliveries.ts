import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { DELIVERY_STATUSES, listDeliveries } from '../../../app/webhook-endpoints.ts';
import { WebhookDeliveryView } from './views.ts';

export default defineRoute({
  method: 'GET', url: '/v1/webhook-endpoints/:id/deliveries', auth: 'tenant', summary: 'The delivery log of an endpoint: every event queued for it, newest first, with each attempt.', tags: ['webhooks'],
  params: z.object({ id: z.string().max(64) }),
  query: z.object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    messageId: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(20).optional(),
  }).strict(),
  responses: { 200: { description: 'A page of deliveries', schema: z.object({ data: z.array(WebhookDeliveryView), nextCursor: z.string().nullable() }) }, 404: { description: 'No such endpoint for this hotel' } },
  async handler(ctx, req) {
    return await listDeliveries(ctx, req.tenant!.id, req.params.id, req.query);
  },
});
