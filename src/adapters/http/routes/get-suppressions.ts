import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { listSuppressions, SUPPRESSION_SOURCES } from '../../../app/suppressions.ts';
import { SuppressionView } from './views.ts';

export default defineRoute({
  method: 'GET', url: '/v1/suppressions', auth: 'tenant', summary: "This hotel's suppressed addresses, newest first, with filters and cursor paging.", tags: ['suppressions'],
  query: z.object({
    address: z.string().max(254).optional(),
    reason: z.string().max(40).optional(),
    source: z.enum(SUPPRESSION_SOURCES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(400).optional(),
  }).strict(),
  responses: { 200: { description: 'A page of suppressions', schema: z.object({ data: z.array(SuppressionView), nextCursor: z.string().nullable() }) } },
  async handler(ctx, req) {
    return await listSuppressions(ctx, req.tenant!.id, req.query);
  },
});
