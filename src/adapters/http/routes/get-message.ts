import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { getMessage } from '../../../app/query-messages.ts';
import { MessageView } from './views.ts';

export default defineRoute({
  method: 'GET', url: '/v1/messages/:id', auth: 'tenant', summary: 'A message: its status, per recipient, and its timeline of events.', tags: ['messages'],
  params: z.object({ id: z.string().max(64) }),
  responses: { 200: { description: 'The message', schema: MessageView }, 404: { description: 'No such message for this hotel' } },
  async handler(ctx, req) {
    return await getMessage(ctx, req.tenant!.id, req.params.id);
  },
});
