import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { getTenant, publicTenant } from '../../../app/tenants.ts';
import { ReboundError } from '../../../errors.ts';
import { TenantView } from './views.ts';

export default defineRoute({
  method: 'GET', url: '/v1/tenants/:id', auth: 'admin-or-tenant', summary: "Read a hotel's settings (a hotel's key reads only its own).", tags: ['tenants'],
  params: z.object({ id: z.string().max(64) }),
  responses: { 200: { description: 'The hotel', schema: TenantView }, 404: { description: 'No such hotel' } },
  async handler(ctx, req) {
    if (req.tenant && req.tenant.id !== req.params.id) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such tenant.', 'id');
    const t = await getTenant(ctx, req.params.id);
    if (!t) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such tenant.', 'id');
    return publicTenant(t);
  },
});
