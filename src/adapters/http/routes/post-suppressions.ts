import { defineRoute } from '../route.ts';
import { AddSuppressionSchema, addManualSuppression } from '../../../app/suppressions.ts';
import { SuppressionView } from './views.ts';

export default defineRoute({
  method: 'POST', url: '/v1/suppressions', auth: 'tenant', summary: "Add an address to this hotel's suppression list by hand: later messages to it are not attempted.", tags: ['suppressions'],
  body: AddSuppressionSchema,
  responses: { 201: { description: 'Added', schema: SuppressionView }, 200: { description: 'Already suppressed; the existing entry', schema: SuppressionView } },
  async handler(ctx, req, reply) {
    const { record, created } = await addManualSuppression(ctx, req.tenant!.id, req.body);
    reply.code(created ? 201 : 200);
    return record;
  },
});
