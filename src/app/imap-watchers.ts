import type { AppContext } from './context.ts';
import { iso } from './context.ts';
import { ingestBounce } from './ingest-bounce.ts';
import { listTenants, openStoredSecret, type TenantRecord } from './tenants.ts';
import { checkMailboxOnce, type ImapCursorStore, type MailboxCheckResult } from '../adapters/imap/bounce-watcher.ts';
import { imapWatcherSchema } from '../domain/smtp-route.ts';

/**
 * Hotels on their own SMTP server may have bounces land in their own mailbox (when their server
 * refused the VERP sender). The watcher reads that folder, records the reports that concern
 * messages Rebound sent for this hotel, and moves exactly those; everything else stays untouched.
 */
const REPORT_KINDS = ['bounce', 'delay', 'delivered', 'feedback'] as const;

function cursorStore(ctx: AppContext, tenantId: string): ImapCursorStore {
  return {
    async load() {
      const row = await ctx.db.kysely.selectFrom('imap_cursors').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row ? { uidValidity: row.uid_validity, lastUid: Number(row.last_uid) } : null;
    },
    async save(cursor) {
      await ctx.db.kysely.insertInto('imap_cursors')
        .values({ tenant_id: tenantId, uid_validity: cursor.uidValidity, last_uid: cursor.lastUid, updated_at: iso(ctx.now()), last_error: null })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ uid_validity: cursor.uidValidity, last_uid: cursor.lastUid, updated_at: iso(ctx.now()), last_error: null }))
        .execute();
    },
  };
}

export async function checkHotelMailbox(ctx: AppContext, tenant: TenantRecord, opts: { timeoutMs?: number } = {}): Promise<MailboxCheckResult | null> {
  const stored = tenant.settings.imap as Record<string, unknown> | undefined;
  if (!stored || typeof stored.password !== 'string') return null;
  const settings = imapWatcherSchema.parse({ ...stored, password: openStoredSecret([ctx.keys, ...ctx.previousKeys], stored.password) });
  return await checkMailboxOnce({
    settings,
    cursorStore: cursorStore(ctx, tenant.id),
    timeoutMs: opts.timeoutMs,
    classify: async (raw) => {
      // Idempotent: a report seen twice (move failed last run) is deduplicated by recordOutcome.
      const result = await ingestBounce(ctx, raw, { from: '', to: [] }, 'imap', { tenantId: tenant.id, onlyKinds: REPORT_KINDS });
      return { ours: result.matched.length > 0 };
    },
  });
}

/** One pass over every hotel with a watcher; a failing mailbox is logged and does not stop the others. */
export async function checkAllMailboxes(ctx: AppContext): Promise<number> {
  let moved = 0;
  for (const tenant of await listTenants(ctx)) {
    if (!tenant.settings.imap) continue;
    try {
      const r = await checkHotelMailbox(ctx, tenant);
      moved += r?.moved.length ?? 0;
    } catch (e) {
      ctx.log.warn({ tenant: tenant.id, err: (e as Error).message }, 'IMAP bounce check failed');
      await ctx.db.kysely.updateTable('imap_cursors').set({ last_error: (e as Error).message.slice(0, 500), updated_at: iso(ctx.now()) })
        .where('tenant_id', '=', tenant.id).execute();
    }
  }
  return moved;
}

/** Runs checkAllMailboxes every `intervalMs`, never overlapping. */
export function startImapWatchers(ctx: AppContext, intervalMs: number): { stop(): Promise<void>; runNow(): Promise<number> } {
  let running: Promise<number> | null = null;
  const run = () => {
    running ??= checkAllMailboxes(ctx).finally(() => { running = null; });
    return running;
  };
  const timer = setInterval(() => { void run(); }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running?.catch(() => 0);
    },
    runNow: run,
  };
}
