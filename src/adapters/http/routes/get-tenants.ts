import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { listTenants, publicTenant } from '../../../app/tenants.ts';
import { TenantView } from './views.ts';

export default defineRoute({
  method: 'GET', url: '/v1/tenants', auth: 'admin', summary: 'List hotels.', tags: ['tenants'],
  responses: { 200: { description: 'Hotels', schema: z.object({ data: z.array(TenantView) }) } },
  async handler(ctx) {
    return { data: (await listTenants(ctx)).map(publicTenant) };
  },
});
