import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { UpdateTenantSchema, publicTenant, updateTenant } from '../../../app/tenants.ts';
import { TenantView } from './views.ts';

export default defineRoute({
  method: 'PATCH', url: '/v1/tenants/:id', auth: 'admin', summary: "Update a hotel's settings.", tags: ['tenants'],
  params: z.object({ id: z.string().max(64) }),
  body: UpdateTenantSchema,
  responses: { 200: { description: 'Updated', schema: TenantView }, 404: { description: 'No such hotel' } },
  async handler(ctx, req) {
    return publicTenant(await updateTenant(ctx, req.params.id, req.body));
  },
});
