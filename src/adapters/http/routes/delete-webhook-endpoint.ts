import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { deleteEndpoint } from '../../../app/webhook-endpoints.ts';

export default defineRoute({
  method: 'DELETE', url: '/v1/webhook-endpoints/:id', auth: 'tenant', summary: 'Remove an endpoint, with its queued deliveries and its delivery log.', tags: ['webhooks'],
  params: z.object({ id: z.string().max(64) }),
  responses: { 204: { description: 'Removed' }, 404: { description: 'No such endpoint for this hotel' } },
  async handler(ctx, req, reply) {
    await deleteEndpoint(ctx, req.tenant!.id, req.params.id);
    reply.code(204);
    return null;
  },
});
