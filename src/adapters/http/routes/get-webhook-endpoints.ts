import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { listEndpoints } from '../../../app/webhook-endpoints.ts';
import { WebhookEndpointView } from './views.ts';

export default defineRoute({
  method: 'GET', url: '/v1/webhook-endpoints', auth: 'tenant', summary: "This hotel's webhook endpoints (secrets are never shown again).", tags: ['webhooks'],
  responses: { 200: { description: 'Endpoints', schema: z.object({ data: z.array(WebhookEndpointView) }) } },
  async handler(ctx, req) {
    return { data: await listEndpoints(ctx, req.tenant!.id) };
  },
});
