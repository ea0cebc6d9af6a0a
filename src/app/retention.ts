import type { AppContext } from './context.ts';
import { iso } from './context.ts';

/**
 * Guests' message bodies are personal data kept only as long as needed (GDPR Art. 5(1)(e)). After
 * REBOUND_RETENTION_DAYS the bodies go and the metadata stays: message rows, recipients, statuses,
 * events with their diagnostics — what a hotel needs to answer "was it delivered?".
 *
 * Removed: message contents (body and attachments) of settled messages, the raw copies of inbound
 * bounces (their analysis stays), the rendered hotel notifications once sent or given up, and the
 * local capture mailbox. A message still waiting for a retry keeps its content until it is settled.
 */
export interface RetentionReport {
  contents: number;
  inboundBodies: number;
  notificationBodies: number;
  captured: number;
}

/** Rows per statement: bounded transactions, so the job never holds long locks on a busy queue. */
const BATCH = 500;
const EMPTY = Buffer.alloc(0);

export async function applyRetention(ctx: AppContext): Promise<RetentionReport> {
  const k = ctx.db.kysely;
  const now = ctx.now();
  const nowIso = iso(now);
  const cutoff = iso(new Date(now.getTime() - ctx.config.retentionDays * 24 * 3600 * 1000));
  const report: RetentionReport = { contents: 0, inboundBodies: 0, notificationBodies: 0, captured: 0 };

  for (;;) {
    const ids = (await k.selectFrom('messages').select('id')
      .where('content_deleted_at', 'is', null).where('created_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('recipients').select('recipients.id')
        .whereRef('recipients.message_id', '=', 'messages.id').where('recipients.status', 'in', ['queued', 'deferred']))))
      .orderBy('created_at').limit(BATCH).execute()).map((r) => r.id);
    if (ids.length === 0) break;
    await k.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('message_contents').where('message_id', 'in', ids).executeTakeFirst();
      report.contents += Number(r.numDeletedRows);
      await trx.updateTable('messages').set({ content_deleted_at: nowIso }).where('id', 'in', ids).execute();
    });
    if (ids.length < BATCH) break;
  }

  for (;;) {
    const ids = (await k.selectFrom('inbound_messages').select('id')
      .where('raw_deleted_at', 'is', null).where('received_at', '<', cutoff).limit(BATCH).execute()).map((r) => r.id);
    if (ids.length === 0) break;
    await k.updateTable('inbound_messages').set({ raw: EMPTY, raw_deleted_at: nowIso }).where('id', 'in', ids).execute();
    report.inboundBodies += ids.length;
    if (ids.length < BATCH) break;
  }

  for (;;) {
    const ids = (await k.selectFrom('notifications').select('id')
      .where('raw_deleted_at', 'is', null).where('created_at', '<', cutoff).where('status', '!=', 'pending')
      .limit(BATCH).execute()).map((r) => r.id);
    if (ids.length === 0) break;
    await k.updateTable('notifications').set({ raw: EMPTY, facts_json: null, raw_deleted_at: nowIso }).where('id', 'in', ids).execute();
    report.notificationBodies += ids.length;
    if (ids.length < BATCH) break;
  }

  const captured = await k.deleteFrom('captured_mail').where('created_at', '<', cutoff).executeTakeFirst();
  report.captured = Number(captured.numDeletedRows);
  return report;
}

export interface RetentionJob {
  /** Runs the job now (tests). */
  runNow(): Promise<RetentionReport>;
  stop(): Promise<void>;
}

const HOURLY = 3600 * 1000;

/** Runs at start and then hourly; a run in progress finishes before stop() resolves. */
export function startRetention(ctx: AppContext, opts: { everyMs?: number } = {}): RetentionJob {
  let running: Promise<RetentionReport> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return running ?? Promise.resolve({ contents: 0, inboundBodies: 0, notificationBodies: 0, captured: 0 });
    running = applyRetention(ctx).then((report) => {
      const total = report.contents + report.inboundBodies + report.notificationBodies + report.captured;
      if (total > 0) ctx.log.info({ ...report, retentionDays: ctx.config.retentionDays }, 'retention: expired message bodies removed');
      return report;
    }, (e) => {
      ctx.log.error({ err: (e as Error).message }, 'retention job failed; it runs again within the hour');
      return { contents: 0, inboundBodies: 0, notificationBodies: 0, captured: 0 };
    }).finally(() => { running = null; });
    return running;
  };
  const first = setTimeout(run, 1000);
  first.unref();
  const timer = setInterval(run, opts.everyMs ?? HOURLY);
  timer.unref();
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
