import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { getTenant, openStoredSecret } from '../../../app/tenants.ts';
import { smtpRouteSchema } from '../../../domain/smtp-route.ts';
import { testSmtpRoute } from '../../../app/test-smtp-route.ts';
import { verpAddress } from '../../../security/verp.ts';
import { ReboundError } from '../../../errors.ts';
import { smtpHostRefusal } from '../../transports/host-guard.ts';

export default defineRoute({
  method: 'POST', url: '/v1/tenants/:id/route/test', auth: 'admin-or-tenant',
  summary: "Test the hotel's own SMTP server: connect, TLS, login and sender check (no message is sent). Without a body the stored route is tested; with { route } unsaved settings are (a blank password means the stored one).",
  tags: ['tenants'],
  params: z.object({ id: z.string().max(64) }),
  body: z.object({ route: smtpRouteSchema.extend({ password: smtpRouteSchema.shape.password.optional() }) }).strict().optional(),
  responses: {
    200: { description: 'The diagnosis', schema: z.object({
      ok: z.boolean(),
      problem: z.enum(['dns', 'refused', 'timeout', 'tls-mismatch', 'certificate', 'auth', 'sender-refused']).nullable(),
      message: z.string().describe("Plain text in the hotel's language"),
      detail: z.string().describe("Technical detail; the server's reply verbatim where there is one"),
    }) },
    404: { description: 'No such hotel' },
  },
  async handler(ctx, req) {
    if (req.tenant && req.tenant.id !== req.params.id) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such tenant.', 'id');
    const tenant = await getTenant(ctx, req.params.id);
    if (!tenant) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such tenant.', 'id');
    const stored = tenant.route as { type: string; password?: string };
    const candidate = req.body?.route ?? (stored.type === 'smtp' ? { ...stored, password: undefined } : null);
    if (!candidate) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'route: this hotel has no own SMTP route; send one as { "route": { "type": "smtp", … } } to test it', 'route');
    let password = candidate.password;
    if (password === undefined) {
      if (stored.type !== 'smtp' || !stored.password) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'route.password: password is required', 'route.password');
      password = openStoredSecret([ctx.keys, ...ctx.previousKeys], stored.password);
    }
    const route = smtpRouteSchema.parse({ ...candidate, password });
    const refusal = await smtpHostRefusal(route.host, { allowPrivate: ctx.config.smtpAllowPrivateHosts });
    if (refusal) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', `route.host: ${refusal}`, 'route.host');
    return await testSmtpRoute(route, {
      language: tenant.language,
      verpSender: verpAddress(ctx.keys.verp, 'rcp_connectiontest', ctx.config.notificationsDomain),
      hotelAddress: tenant.sender.fromEmail ?? tenant.notificationEmail,
      clientName: ctx.config.notificationsDomain,
    });
  },
});
