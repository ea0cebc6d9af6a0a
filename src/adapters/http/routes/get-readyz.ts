import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { readiness } from '../../../app/readiness.ts';

export default defineRoute({
  method: 'GET', url: '/readyz', auth: 'none',
  summary: 'Readiness: 200 when the database answers, every migration is applied and this process\'s listeners are up; else 503. For load balancers and orchestrators.',
  tags: ['operations'],
  responses: {
    200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }) },
    503: { description: 'Not ready; `checks` says which part is not', schema: z.object({ status: z.literal('unavailable'), checks: z.record(z.string(), z.string()) }) },
  },
  async handler(ctx, _req, reply) {
    const r = await readiness(ctx);
    if (!r.ready) reply.code(503);
    return { status: r.ready ? 'ready' as const : 'unavailable' as const, checks: r.checks };
  },
});
