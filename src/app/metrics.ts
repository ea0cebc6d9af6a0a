import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'kysely';
import type { AppContext } from './context.ts';
import { iso } from './context.ts';

/**
 * Prometheus metrics of one process. Counters and histograms count what this process did (Prometheus
 * sums them over processes); the queue gauges are read from the shared database at each scrape, so
 * every process — API, worker or SMTP — reports the same truth about the queue.
 */
export interface Metrics {
  registry: Registry;
  sends: Counter<'route' | 'result'>;
  bounces: Counter<'reason' | 'source'>;
  notifications: Counter<'result'>;
  deliveryLatency: Histogram<'route'>;
  httpLatency: Histogram<'method' | 'route' | 'status'>;
  /** Reads the queue gauges from the database (called by GET /metrics before rendering). */
  refreshQueue(ctx: AppContext): Promise<void>;
}

/** The outbox a webhook engine may add; counted when the table exists. */
const WEBHOOK_TABLE = 'webhook_deliveries';

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rebound_' });
  const sends = new Counter({
    name: 'rebound_sends_total', help: 'Delivery attempts by route and result (accepted, deferred, failed).',
    labelNames: ['route', 'result'] as const, registers: [registry],
  });
  const bounces = new Counter({
    name: 'rebound_bounces_total', help: 'Recipients that finally failed, by reason (Sisimai names) and where the verdict came from.',
    labelNames: ['reason', 'source'] as const, registers: [registry],
  });
  const notifications = new Counter({
    name: 'rebound_notifications_total', help: 'Hotel notification send attempts by result (sent, retry, failed).',
    labelNames: ['result'] as const, registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'rebound_delivery_latency_seconds', help: 'From acceptance by the API to acceptance by the next hop.',
    labelNames: ['route'] as const, registers: [registry],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
  });
  const httpLatency = new Histogram({
    name: 'rebound_http_request_duration_seconds', help: 'HTTP API latency by route pattern (never the concrete URL).',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const queueDepth = new Gauge({
    name: 'rebound_queue_depth', help: 'Recipients waiting for delivery, by status (queued, deferred).',
    labelNames: ['status'] as const, registers: [registry],
  });
  const queueDue = new Gauge({ name: 'rebound_queue_due', help: 'Recipients whose next attempt is due now.', registers: [registry] });
  const oldestDue = new Gauge({
    name: 'rebound_queue_oldest_due_age_seconds', help: 'How long the longest-waiting due recipient has been due (0 when none): how far behind the workers are.',
    registers: [registry],
  });
  const notificationBacklog = new Gauge({ name: 'rebound_notification_backlog', help: 'Hotel notifications not yet sent.', registers: [registry] });
  const webhookBacklog = new Gauge({ name: 'rebound_webhook_backlog', help: 'Outbound webhook deliveries not yet delivered (absent without the webhook outbox).', registers: [registry] });

  async function refreshQueue(ctx: AppContext): Promise<void> {
    const k = ctx.db.kysely;
    const now = iso(ctx.now());
    // Each query walks an index: recipients_queue (the queue's rows only; its predicate is written out
    // as in the index, which both planners need to use a partial index), notifications_due.
    const queued = sql<boolean>`status in ('queued', 'deferred')`;
    const [depth, due, notif, webhooks] = await Promise.all([
      k.selectFrom('recipients').select(['status', (eb) => eb.fn.countAll().as('n')])
        .where(queued).groupBy('status').execute(),
      k.selectFrom('recipients').select([(eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('next_attempt_at').as('oldest')])
        .where(queued).where('next_attempt_at', '<=', now).executeTakeFirst(),
      k.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst(),
      webhookPending(ctx),
    ]);
    queueDepth.set({ status: 'queued' }, 0);
    queueDepth.set({ status: 'deferred' }, 0);
    for (const row of depth) queueDepth.set({ status: row.status }, Number(row.n));
    queueDue.set(Number(due?.n ?? 0));
    const oldest = due?.oldest ? Date.parse(String(due.oldest)) : NaN;
    oldestDue.set(Number.isNaN(oldest) ? 0 : Math.max(0, (ctx.now().getTime() - oldest) / 1000));
    notificationBacklog.set(Number(notif?.n ?? 0));
    if (webhooks === null) webhookBacklog.reset();
    else webhookBacklog.set(webhooks);
  }

  return { registry, sends, bounces, notifications, deliveryLatency, httpLatency, refreshQueue };
}

async function webhookPending(ctx: AppContext): Promise<number | null> {
  const exists = ctx.db.dialect === 'postgres'
    ? await sql<{ n: string }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = ${WEBHOOK_TABLE}`.execute(ctx.db.kysely)
    : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${WEBHOOK_TABLE}`.execute(ctx.db.kysely);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return null;
  try {
    const r = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(WEBHOOK_TABLE)} where status = 'pending'`.execute(ctx.db.kysely);
    return Number(r.rows[0]?.n ?? 0);
  } catch {
    return null;
  }
}
