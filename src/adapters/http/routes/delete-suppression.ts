import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { removeSuppression } from '../../../app/suppressions.ts';

export default defineRoute({
  method: 'DELETE', url: '/v1/suppressions/:address', auth: 'tenant', summary: 'Reactivate an address (e.g. after the guest fixed the mailbox): later messages to it are sent again.', tags: ['suppressions'],
  params: z.object({ address: z.string().min(3).max(254) }),
  responses: { 204: { description: 'Reactivated' }, 404: { description: 'The address is not suppressed for this hotel' } },
  async handler(ctx, req, reply) {
    await removeSuppression(ctx, req.tenant!.id, req.params.address);
    reply.code(204);
    return null;
  },
});
