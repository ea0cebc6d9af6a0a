import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { eraseGuest } from '../../../app/erase-guest.ts';

const Counts = z.object({
  recipients: z.number(), cancelledDeliveries: z.number(), messages: z.number(), contents: z.number(), events: z.number(),
  inboundMessages: z.number(), notifications: z.number(), suppressions: z.number(), webhookDeliveries: z.number(), captured: z.number(),
});

export default defineRoute({
  method: 'DELETE', url: '/v1/guests/:address', auth: 'tenant',
  summary: 'Erase a guest\'s data for this hotel (GDPR Art. 17): address replaced by a placeholder, contents, bounces and notifications about the guest removed. Answers with what was removed; repeating it is harmless.',
  tags: ['guests'],
  params: z.object({ address: z.string().min(3).max(254).refine((s) => s.includes('@') && !/[\s<>]/.test(s), 'must be an email address') }),
  responses: { 200: { description: 'Erased; counts of the rows changed or removed', schema: z.object({ erased: z.literal(true), removed: Counts }) } },
  async handler(ctx, req) {
    const removed = await eraseGuest(ctx, req.tenant!.id, req.params.address);
    return { erased: true as const, removed };
  },
});
