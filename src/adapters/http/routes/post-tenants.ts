import { defineRoute } from '../route.ts';
import { CreateTenantSchema, createTenant, publicTenant } from '../../../app/tenants.ts';
import { TenantView } from './views.ts';
import { z } from 'zod';

export default defineRoute({
  method: 'POST', url: '/v1/tenants', auth: 'admin', summary: 'Create a hotel (tenant). The API key is shown once.', tags: ['tenants'],
  body: CreateTenantSchema,
  responses: { 201: { description: 'Created', schema: TenantView.extend({ apiKey: z.string() }) } },
  async handler(ctx, req, reply) {
    const { tenant, apiKey } = await createTenant(ctx, req.body);
    reply.code(201);
    return { ...publicTenant(tenant), apiKey };
  },
});
