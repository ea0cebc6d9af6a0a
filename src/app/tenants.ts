import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { newId } from '../domain/ids.ts';
import { ReboundError } from '../errors.ts';
import { imapWatcherSchema, smtpRouteSchema } from '../domain/smtp-route.ts';
import { openSecret, sealSecret, type Keys } from '../security/keys.ts';

export const Language = z.enum(['de', 'en']);

export const SenderSchema = z.object({
  fromName: z.string().trim().min(1).max(200).optional(),
  fromEmail: z.email().max(254).optional(),
  replyTo: z.email().max(254).optional(),
}).strict();

export const RelayRouteSchema = z.object({ type: z.literal('relay') }).strict();
/** Mailgun's HTTP API, with the operator's account (REBOUND_MAILGUN_*). */
export const MailgunRouteSchema = z.object({ type: z.literal('mailgun') }).strict();
export const RouteSchema = z.discriminatedUnion('type', [RelayRouteSchema, MailgunRouteSchema, smtpRouteSchema]);
/** On update the password may be left out: the stored one is kept (the API never shows it to send it back). */
const SmtpRouteUpdateSchema = smtpRouteSchema.extend({ password: smtpRouteSchema.shape.password.optional() });
export const RouteUpdateSchema = z.discriminatedUnion('type', [RelayRouteSchema, MailgunRouteSchema, SmtpRouteUpdateSchema]);
const ImapUpdateSchema = imapWatcherSchema.extend({ password: imapWatcherSchema.shape.password.optional() });

export const CreateTenantSchema = z.object({
  name: z.string().trim().min(1).max(200),
  notificationEmail: z.email().max(254),
  language: Language.default('de'),
  sender: SenderSchema.default({}),
  /** Default: mailgun when Mailgun is configured and no relay is, else relay (see defaultRoute). */
  route: RouteSchema.optional(),
  /** Optional IMAP watcher on the hotel's mailbox, for bounces that reach the hotel's own address. */
  imap: imapWatcherSchema.optional(),
}).strict();

export const UpdateTenantSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  notificationEmail: z.email().max(254).optional(),
  language: Language.optional(),
  sender: SenderSchema.optional(),
  route: RouteUpdateSchema.optional(),
  /** null switches the watcher off. */
  imap: ImapUpdateSchema.nullable().optional(),
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

export function rowToTenant(row: any): TenantRecord {
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
  const imapStored = t.settings.imap as Record<string, unknown> | undefined;
  let imap: Record<string, unknown> | null = null;
  if (imapStored) {
    const { password: imapPassword, ...rest } = imapStored;
    imap = { ...rest, passwordSet: Boolean(imapPassword) };
  }
  return {
    id: t.id,
    name: t.name,
    notificationEmail: t.notificationEmail,
    language: t.language,
    sender: t.sender,
    route: password === undefined ? route : { ...route, passwordSet: Boolean(password) },
    imap,
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
    route_json: JSON.stringify(sealRoute(ctx.keys, input.route ?? defaultRoute(ctx.config), null)),
    settings_json: JSON.stringify(input.imap ? { imap: sealImap(ctx.keys, input.imap, undefined) } : {}),
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
    ...(patch.route !== undefined ? { route_json: JSON.stringify(sealRoute(ctx.keys, patch.route, current.route)) } : {}),
    ...(patch.imap !== undefined ? { settings_json: JSON.stringify(withImap(current.settings, patch.imap === null ? undefined : sealImap(ctx.keys, patch.imap, current.settings.imap as StoredSecretHolder | undefined))) } : {}),
    updated_at: iso(ctx.now()),
  }).where('id', '=', id).execute();
  forgetCachedTenants(ctx);
  return (await getTenant(ctx, id))!;
}

/**
 * Tenants by API-key hash, kept for a few seconds: every API request authenticates, and reading and
 * parsing the row was a measurable part of a request. Changes made through this process (PATCH,
 * secret re-sealing) clear the cache at once; another API process sees them within TENANT_CACHE_MS.
 * Unknown keys are never cached, so a new hotel's key works at once.
 */
const TENANT_CACHE_MS = 5000;
const TENANT_CACHE_MAX = 10_000;
const tenantsByKeyHash = new WeakMap<object, Map<string, { tenant: TenantRecord; until: number }>>();

export function forgetCachedTenants(ctx: AppContext): void {
  tenantsByKeyHash.delete(ctx.db);
}

export async function tenantByApiKey(ctx: AppContext, apiKey: string): Promise<TenantRecord | null> {
  // Lookup by SHA-256 of a 192-bit random key: no timing oracle worth having, nothing reversible stored.
  const hash = hashApiKey(apiKey);
  let cache = tenantsByKeyHash.get(ctx.db);
  if (!cache) tenantsByKeyHash.set(ctx.db, cache = new Map());
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && hit.until > now) return hit.tenant;
  const row = await ctx.db.kysely.selectFrom('tenants').selectAll().where('api_key_hash', '=', hash).executeTakeFirst();
  if (!row) return null;
  const tenant = rowToTenant(row);
  if (cache.size >= TENANT_CACHE_MAX) cache.clear();
  cache.set(hash, { tenant, until: now + TENANT_CACHE_MS });
  return tenant;
}

type StoredSecretHolder = { password?: string; [k: string]: unknown };

/**
 * Passwords are stored sealed (AES-256-GCM, key derived from REBOUND_SECRET_KEY). An update without
 * a password keeps the stored one, as long as it is for the same kind of route.
 */
function sealRoute(keys: Keys, route: z.infer<typeof RouteUpdateSchema>, current: StoredSecretHolder | null): Record<string, unknown> {
  if (route.type !== 'smtp') return route;
  if (route.password !== undefined) return { ...route, password: sealSecret(keys, route.password) };
  if (current?.type === 'smtp' && typeof current.password === 'string') return { ...route, password: current.password };
  throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'route.password: password is required', 'route.password');
}

function sealImap(keys: Keys, imap: z.infer<typeof ImapUpdateSchema>, current: StoredSecretHolder | undefined): Record<string, unknown> {
  if (imap.password !== undefined) return { ...imap, password: sealSecret(keys, imap.password) };
  if (typeof current?.password === 'string') return { ...imap, password: current.password };
  throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'imap.password: password is required', 'imap.password');
}

function withImap(settings: Record<string, unknown>, imap: Record<string, unknown> | undefined): Record<string, unknown> {
  const { imap: _old, ...rest } = settings;
  void _old;
  return imap ? { ...rest, imap } : rest;
}

/** Opens a stored secret with the current key, or a previous one during a key rotation. */
export function openStoredSecret(keyring: Keys[], sealed: string): string {
  let last: unknown;
  for (const keys of keyring) {
    try {
      return openSecret(keys, sealed);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`stored secret cannot be opened with the configured keys (${(last as Error)?.message ?? 'no key'})`);
}

/**
 * Re-seals every stored password under the current key (after REBOUND_SECRET_KEY changed and the old
 * one was put in REBOUND_PREVIOUS_SECRET_KEYS). Returns how many secrets were re-sealed.
 */
export async function resealSecrets(ctx: AppContext): Promise<{ tenants: number; secrets: number; failed: string[] }> {
  const keyring = [ctx.keys, ...ctx.previousKeys];
  const rows = await ctx.db.kysely.selectFrom('tenants').select(['id', 'route_json', 'settings_json']).execute();
  let tenants = 0;
  let secrets = 0;
  const failed: string[] = [];
  for (const row of rows) {
    const route = JSON.parse(row.route_json) as StoredSecretHolder;
    const settings = JSON.parse(row.settings_json) as { imap?: StoredSecretHolder };
    let changed = false;
    try {
      for (const holder of [route, settings.imap]) {
        if (!holder || typeof holder.password !== 'string') continue;
        if (holder.password.split('.')[1] === ctx.keys.keyId) continue;
        holder.password = sealSecret(ctx.keys, openStoredSecret(keyring, holder.password));
        secrets++;
        changed = true;
      }
    } catch {
      failed.push(row.id);
      continue;
    }
    if (changed) {
      tenants++;
      await ctx.db.kysely.updateTable('tenants').set({ route_json: JSON.stringify(route), settings_json: JSON.stringify(settings) }).where('id', '=', row.id).execute();
    }
  }
  forgetCachedTenants(ctx);
  return { tenants, secrets, failed };
}
