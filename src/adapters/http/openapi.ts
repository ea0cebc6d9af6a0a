import { z } from 'zod';
import type { RouteDef } from './route.ts';
import { ErrorSchema } from './route.ts';

/** OpenAPI 3.1 from the same zod schemas that validate requests. */
export function buildOpenApi(routes: readonly RouteDef[], version: string) {
  const json = (schema: z.ZodType, io: 'input' | 'output') => {
    const { $schema, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    void $schema;
    return rest;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [loc, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = json(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: loc, required: loc === 'path' || (js.required ?? []).includes(name), schema: s });
      }
    }
    for (const [name, h] of Object.entries(r.headers ?? {})) {
      parameters.push({ name, in: 'header', required: Boolean(h.required), description: h.description, schema: { type: 'string' } });
    }
    const responses: Record<string, unknown> = {};
    for (const [code, resp] of Object.entries(r.responses)) {
      responses[code] = resp.schema
        ? { description: resp.description, content: { 'application/json': { schema: json(resp.schema, 'output') } } }
        : { description: resp.description, content: { 'application/json': { schema: json(ErrorSchema, 'output') } } };
    }
    if (r.body) responses['400'] ??= { description: 'Invalid request', content: { 'application/json': { schema: json(ErrorSchema, 'output') } } };
    if (r.auth !== 'none') responses['401'] ??= { description: 'Missing or invalid bearer token', content: { 'application/json': { schema: json(ErrorSchema, 'output') } } };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: r.tags,
      ...(r.auth === 'none' ? { security: [] } : { security: r.auth === 'admin' ? [{ adminToken: [] }] : r.auth === 'tenant' ? [{ apiKey: [] }] : [{ adminToken: [] }, { apiKey: [] }] }),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Rebound API', version, description: 'Mail gateway for hotel software: send guest correspondence, read delivery status, learn about bounces.' },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'REBOUND_ADMIN_TOKEN (operator)' },
        apiKey: { type: 'http', scheme: 'bearer', description: "A hotel's API key (rb_live_…)" },
      },
    },
    paths,
  };
}
