import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { ReboundError } from '../../../errors.ts';
import { constantTimeEqual } from '../../../security/keys.ts';

export default defineRoute({
  method: 'GET', url: '/metrics', auth: 'none',
  summary: 'Prometheus metrics (text exposition format). With REBOUND_METRICS_TOKEN set, requires `Authorization: Bearer <token>`.',
  tags: ['operations'],
  responses: { 200: { description: 'Prometheus text format 0.0.4', schema: z.string() }, 401: { description: 'REBOUND_METRICS_TOKEN is set and the bearer token is missing or wrong' } },
  async handler(ctx, req, reply) {
    const expected = ctx.config.metricsToken;
    if (expected) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m) throw new ReboundError('REBOUND_ERR_AUTH_MISSING');
      if (!constantTimeEqual(m[1]!, expected)) throw new ReboundError('REBOUND_ERR_AUTH_INVALID');
    }
    const metrics = ctx.metrics;
    if (!metrics) throw new ReboundError('REBOUND_ERR_UNAVAILABLE', 'Metrics are not enabled in this process.');
    await metrics.refreshQueue(ctx);
    reply.header('content-type', metrics.registry.contentType);
    return await metrics.registry.metrics();
  },
});
