import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { newId } from '../domain/ids.ts';
import { ReboundError } from '../errors.ts';

export const Language = z.enum(['de', 'en']);

export const SenderSchema = z.object({
  fromName: z.string().trim().min(1).max(200).optional(),
  fromEmail: z.email().max(254).optional(),
  replyTo: z.email().max(254).optional(),
}).strict();

export const RelayRouteSchema = z.object({ type: z.literal('relay') }).strict();
/** Mailgun's HTTP API, with the operator's account (REBOUND_MAILGUN_*). */
export const MailgunRouteSchema = z.object({ type: z.literal('mailgun') }).strict();
export const RouteSchema = z.discriminatedUnion('type', [RelayRouteSchema, MailgunRouteSchema]);

export const CreateTenantSchema = z.object({
  name: z.string().trim().min(1).max(200),
  notificationEmail: z.email().max(254),
  language: Language.default('de'),
  sender: SenderSchema.default({}),
  /** Default: mailgun when Mailgun is configured and no relay is, else relay (see defaultRoute). */
  route: RouteSchema.optional(),
}).strict();

export const UpdateTenantSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  notificationEmail: z.email().max(254).optional(),
  language: Language.optional(),
  sender: SenderSchema.optional(),
  route: RouteSchema.optional(),
}).strict();

export type CreateTenant = z.infer<typeof CreateTenantSchema>;
export type UpdateTenant = z.infer<typeof UpdateTenantSchema>;

export interface TenantRecord {
  id: string;
  name: string;
  notificationEmail: string;
  language: 'de' | 'en';
  sender: z.infer<typeof SenderSchema>;
  route: { type: string; [k: string]: unknown };
  settings: Record<string, unknown>;
  apiKeyPrefix: string;
  createdAt: string;
  updatedAt: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function rowToTenant(row: any): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    notificationEmail: row.notification_email,
    language: row.language,
    sender: JSON.parse(row.sender_json),
    route: JSON.parse(row.route_json),
    settings: JSON.parse(row.settings_json),
    apiKeyPrefix: row.api_key_prefix,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The API's view of a tenant: never a secret, only whether one is set. */
export function publicTenant(t: TenantRecord) {
  const { password, ...route } = t.route as Record<string, unknown>;
  return {
    id: t.id,
    name: t.name,
    notificationEmail: t.notificationEmail,
    language: t.language,
    sender: t.sender,
    route: password === undefined ? route : { ...route, passwordSet: Boolean(password) },
    apiKeyPrefix: t.apiKeyPrefix,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** The route a new hotel gets when none is given: Mailgun when it is configured and no relay is. */
export function defaultRoute(config: AppContext['config']): z.infer<typeof RouteSchema> {
  return config.mailgun && !config.relayUrl ? { type: 'mailgun' } : { type: 'relay' };
}

export async function createTenant(ctx: AppContext, input: CreateTenant): Promise<{ tenant: TenantRecord; apiKey: string }> {
  const id = newId('htl');
  const apiKey = `rb_live_${randomBytes(24).toString('base64url')}`;
  const now = iso(ctx.now());
  await ctx.db.kysely.insertInto('tenants').values({
    id,
    name: input.name,
    notification_email: input.notificationEmail,
    language: input.language,
    sender_json: JSON.stringify(input.sender),
    route_json: JSON.stringify(input.route ?? defaultRoute(ctx.config)),
    settings_json: '{}',
    api_key_hash: hashApiKey(apiKey),
    api_key_prefix: apiKey.slice(0, 12),
    created_at: now,
    updated_at: now,
  }).execute();
  return { tenant: (await getTenant(ctx, id))!, apiKey };
}

export async function getTenant(ctx: AppContext, id: string): Promise<TenantRecord | null> {
  const row = await ctx.db.kysely.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToTenant(row) : null;
}

export async function listTenants(ctx: AppContext): Promise<TenantRecord[]> {
  const rows = await ctx.db.kysely.selectFrom('tenants').selectAll().orderBy('created_at').limit(1000).execute();
  return rows.map(rowToTenant);
}

export async function updateTenant(ctx: AppContext, id: string, patch: UpdateTenant): Promise<TenantRecord> {
  const current = await getTenant(ctx, id);
  if (!current) throw new ReboundError('REBOUND_ERR_NOT_FOUND', 'No such tenant.');
  await ctx.db.kysely.updateTable('tenants').set({
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.notificationEmail !== undefined ? { notification_email: patch.notificationEmail } : {}),
    ...(patch.language !== undefined ? { language: patch.language } : {}),
    ...(patch.sender !== undefined ? { sender_json: JSON.stringify(patch.sender) } : {}),
    ...(patch.route !== undefined ? { route_json: JSON.stringify(patch.route) } : {}),
    updated_at: iso(ctx.now()),
  }).where('id', '=', id).execute();
  return (await getTenant(ctx, id))!;
}

export async function tenantByApiKey(ctx: AppContext, apiKey: string): Promise<TenantRecord | null> {
  // Lookup by SHA-256 of a 192-bit random key: no timing oracle worth having, nothing reversible stored.
  const row = await ctx.db.kysely.selectFrom('tenants').selectAll().where('api_key_hash', '=', hashApiKey(apiKey)).executeTakeFirst();
  return row ? rowToTenant(row) : null;
}
