import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import type { TenantRecord } from '../../app/tenants.ts';
import { ReboundError } from '../../errors.ts';

/**
 * One route per file, each a plain object: its zod schemas validate the request, type the handler,
 * and generate the OpenAPI document — one source for all three.
 */
export type Auth = 'none' | 'admin' | 'tenant' | 'admin-or-tenant';

export interface RouteRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  headers: FastifyRequest['headers'];
  tenant: TenantRecord | null;
  isAdmin: boolean;
  raw: FastifyRequest;
}

export interface RouteDef<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  auth: Auth;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  headers?: Record<string, { description: string; required?: boolean }>;
  /** The handler reads the body itself, unparsed (`req.raw.body` is a Buffer): signed webhooks. */
  rawBody?: boolean;
  /** status → description (and a zod schema when the answer is JSON we describe). */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler(ctx: AppContext, req: RouteRequest<z.infer<P>, z.infer<Q>, z.infer<B>>, reply: FastifyReply): Promise<unknown>;
}

export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}

/** zod issue → `{ code, message, field }` with the field as a dotted path (`to.1.email`). */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params'): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : where;
  throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', `${field}: ${issue.message}`, field);
}

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
