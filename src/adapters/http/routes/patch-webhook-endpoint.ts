import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { UpdateEndpointSchema, updateEndpoint } from '../../../app/webhook-endpoints.ts';
import { WebhookEndpointView } from './views.ts';

export default defineRoute({
  method: 'PATCH', url: '/v1/webhook-endpoints/:id', auth: 'tenant', summary: 'Change the event types, or re-enable an endpoint that was disabled after failing.', tags: ['webhooks'],
  params: z.object({ id: z.string().max(64) }),
  body: UpdateEndpointSchema,
  responses: { 200: { description: 'Updated', schema: WebhookEndpointView }, 404: { description: 'No such endpoint for this hotel' } },
  async handler(ctx, req) {
    return await updateEndpoint(ctx, req.tenant!.id, req.params.id, req.body);
  },
});
