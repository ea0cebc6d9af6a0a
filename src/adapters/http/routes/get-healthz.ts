import { z } from 'zod';
import { defineRoute } from '../route.ts';

export default defineRoute({
  method: 'GET', url: '/healthz', auth: 'none', summary: 'Liveness: answers 200 while the process serves.', tags: ['operations'],
  responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
  async handler() {
    return { status: 'ok' as const };
  },
});
