import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { CreateEndpointSchema, createEndpoint } from '../../../app/webhook-endpoints.ts';
import { WebhookEndpointView } from './views.ts';

export default defineRoute({
  method: 'POST', url: '/v1/webhook-endpoints', auth: 'tenant', tags: ['webhooks'],
  summary: 'Register a URL for signed event webhooks (Standard Webhooks). The signing secret is shown once.',
  body: CreateEndpointSchema,
  responses: {
    201: { description: 'Registered', schema: WebhookEndpointView.extend({ secret: z.string().describe('whsec_…, shown only now') }) },
    400: { description: 'Not a usable URL, or a private/loopback target (REBOUND_ERR_WEBHOOK_TARGET_FORBIDDEN)' },
  },
  async handler(ctx, req, reply) {
    const created = await createEndpoint(ctx, req.tenant!.id, req.body);
    reply.code(201);
    return created;
  },
});
