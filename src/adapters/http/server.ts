import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { tenantByApiKey, type TenantRecord } from '../../app/tenants.ts';
import { ReboundError } from '../../errors.ts';
import { constantTimeEqual } from '../../security/keys.ts';
import { buildOpenApi } from './openapi.ts';
import { validate, type RouteDef } from './route.ts';
import { ROUTES } from './routes/index.ts';
import { redactUrl } from '../../app/redact.ts';

const VERSION = '0.1.0';

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : '';
}

async function authenticate(ctx: AppContext, req: FastifyRequest, auth: RouteDef['auth']): Promise<{ tenant: TenantRecord | null; isAdmin: boolean }> {
  if (auth === 'none') return { tenant: null, isAdmin: false };
  const token = bearer(req);
  if (token === null) throw new ReboundError('REBOUND_ERR_AUTH_MISSING');
  if (!token) throw new ReboundError('REBOUND_ERR_AUTH_INVALID');
  const isAdmin = constantTimeEqual(token, ctx.config.adminToken);
  if (isAdmin) {
    if (auth === 'tenant') throw new ReboundError('REBOUND_ERR_AUTH_FORBIDDEN', 'Use a hotel API key for this endpoint, not the admin token.');
    return { tenant: null, isAdmin: true };
  }
  if (auth === 'admin') throw new ReboundError('REBOUND_ERR_AUTH_INVALID');
  const tenant = await tenantByApiKey(ctx, token);
  if (!tenant) throw new ReboundError('REBOUND_ERR_AUTH_INVALID');
  return { tenant, isAdmin: false };
}

export async function buildHttpServer(ctx: AppContext, opts: { routes?: readonly RouteDef[]; ready?: () => Promise<void> } = {}): Promise<FastifyInstance> {
  const routes = opts.routes ?? ROUTES;
  const app = Fastify({
    logger: false,
    // Base64 attachments are ~4/3 of their size; leave room for the JSON around them.
    bodyLimit: Math.ceil(ctx.config.maxMessageBytes * 1.4) + 64 * 1024,
    trustProxy: false,
    // While closing, requests still arriving on open keep-alive connections are refused below, in the
    // API's own error shape (fastify's built-in 503 has another body).
    return503OnClosing: false,
  });

  let closing = false;
  let reaper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    // server.close() ends the connections idle at that moment; a keep-alive connection whose request
    // was still running becomes idle only later and would then wait for keepAliveTimeout (72 s) —
    // past the drain deadline and an orchestrator's grace period. End those as they fall idle.
    reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    reaper.unref();
  });
  app.addHook('onClose', async () => { clearInterval(reaper); });
  // A callback hook, not an async one: it runs for every request, and costs nothing until closing.
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done();
    reply.code(503).header('connection', 'close').header('retry-after', '1')
      .send(new ReboundError('REBOUND_ERR_UNAVAILABLE', 'Shutting down: send the request again (another instance, or this one once it is back).').toJSON());
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof ReboundError) return reply.code(err.http).send(err.toJSON());
    // fastify's own request errors: bad JSON, wrong content type, too large.
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(new ReboundError('REBOUND_ERR_REQUEST_TOO_LARGE').toJSON());
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send(new ReboundError('REBOUND_ERR_REQUEST_MEDIA_TYPE').toJSON());
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(400).send(new ReboundError('REBOUND_ERR_REQUEST_INVALID', `body: ${err.message}`, 'body').toJSON());
    }
    // The URL may name a guest (/v1/guests/:address, ?recipient=): logged without query and addresses.
    ctx.log.error({ err: err.message, stack: err.stack, url: redactUrl(req.url) }, 'request failed');
    return reply.code(500).send(new ReboundError('REBOUND_ERR_INTERNAL').toJSON());
  });
  // Labelled by the route pattern, never the concrete URL: bounded label values, no guest data.
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics?.httpLatency.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such endpoint.').toJSON()));

  const authOf = new WeakMap<FastifyRequest, { tenant: TenantRecord | null; isAdmin: boolean }>();
  const routeOptions = (r: RouteDef) => ({
      method: r.method,
      url: r.url,
      // Authenticate in onRequest, before the body is read: an anonymous client cannot make the
      // server buffer and parse a body of up to the size limit.
      onRequest: async (req: FastifyRequest) => {
        authOf.set(req, await authenticate(ctx, req, r.auth));
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const { tenant, isAdmin } = authOf.get(req) ?? await authenticate(ctx, req, r.auth);
        if (!r.rawBody) {
          // NUL is no character of a mail message (RFC 5322) and PostgreSQL cannot store it in text.
          for (const [where, value] of [['params', req.params], ['query', req.query], ['body', req.body]] as const) {
            const field = nulField(value);
            if (field !== null) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', `${field || where}: must not contain NUL characters`, field || where);
          }
        }
        const params = r.params ? validate(r.params, req.params, 'params') : req.params;
        const query = r.query ? validate(r.query, req.query ?? {}, 'query') : req.query;
        let body: unknown = undefined;
        if (r.body) {
          const present = req.body !== undefined && req.body !== null;
          // Routes whose schema accepts no body at all (e.g. "test the stored route") may be called without one.
          if (!present && r.body.safeParse(undefined).success) {
            body = undefined;
          } else {
            if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(req.headers['content-type'] ?? '')) throw new ReboundError('REBOUND_ERR_REQUEST_MEDIA_TYPE');
            if (!present) throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'body: a JSON object is required', 'body');
            body = validate(r.body, req.body, 'body');
          }
        }
        return await r.handler(ctx, { params, query, body, headers: req.headers, tenant, isAdmin, raw: req } as never, reply);
      },
  });
  for (const r of routes) if (!r.rawBody) app.route(routeOptions(r));
  // Routes that check a signature over the bytes as sent get the body unparsed, as a Buffer, in a
  // scope of their own; a body that is not JSON is then theirs to refuse (Mailgun expects a 406).
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    for (const r of routes) if (r.rawBody) scope.route(routeOptions(r));
  });

  const openapi = buildOpenApi([...routes, { method: 'GET', url: '/openapi.json', auth: 'none', summary: 'This document.', responses: { 200: { description: 'OpenAPI 3.1' } } } as unknown as RouteDef], VERSION);
  app.get('/openapi.json', async () => openapi);
  return app;
}

/**
 * The path (like `to.0.name`; '' for the value itself) of the first string or key containing NUL, or
 * null. Only as deep as any request of the API goes: deeper input is refused by the schemas anyway.
 */
function nulField(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 8) return null;
  for (const [k, v] of Object.entries(value)) {
    const p = path ? `${path}.${k}` : k;
    if (k.includes('\u0000')) return p.replace(/\u0000/g, '\\0');
    const found = nulField(v, p, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
