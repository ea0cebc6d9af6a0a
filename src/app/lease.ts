import type { AppContext } from './context.ts';
import { iso } from './context.ts';

/**
 * A claimed row (a recipient, a notification or a webhook delivery) belongs to one worker until `lease_until`. The value
 * doubles as a fencing token: every write after the send is conditional on it, so a worker whose
 * lease ran out cannot overwrite a newer attempt. While a send is still running (a slow smarthost,
 * long SMTP timeouts) the lease is renewed every third of its length, so it never expires under a
 * live worker; a killed worker stops renewing and its rows become claimable after at most one lease.
 */
export interface HeldLease {
  /** The lease value to write conditionally against (changes at each renewal). */
  current(): string;
  /** False once a renewal found the row no longer ours (taken over, or settled elsewhere). */
  held(): boolean;
  /** Stops renewing; resolves with the final lease value once any renewal in flight has finished. */
  release(): Promise<string>;
}

export type LeasedTable = 'recipients' | 'notifications' | 'webhook_deliveries';

const LOG_KEY: Record<LeasedTable, string> = { recipients: 'recipient', notifications: 'notification', webhook_deliveries: 'delivery' };

export function newLeaseValue(ctx: AppContext, previous?: string | null): string {
  // A random millisecond offset makes each claim's value unique, so it works as a fencing token.
  for (;;) {
    const v = iso(new Date(ctx.now().getTime() + ctx.config.leaseMs + Math.floor(Math.random() * 1000)));
    if (v !== previous) return v;
  }
}

export function holdLease(ctx: AppContext, table: LeasedTable, id: string, lease: string): HeldLease {
  let current = lease;
  let held = true;
  let inFlight: Promise<void> = Promise.resolve();
  const every = Math.max(500, Math.floor(ctx.config.leaseMs / 3));
  const timer = setInterval(() => {
    if (!held) return;
    inFlight = inFlight.then(async () => {
      const next = newLeaseValue(ctx, current);
      try {
        const r = await ctx.db.kysely.updateTable(table).set({ lease_until: next })
          .where('id', '=', id).where('lease_until', '=', current).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) current = next;
        else held = false;
      } catch (e) {
        // The database is briefly away: keep the old value; the next tick tries again.
        ctx.log.warn({ [LOG_KEY[table]]: id, err: (e as Error).message }, 'lease renewal failed');
      }
    });
  }, every);
  timer.unref();
  return {
    current: () => current,
    held: () => held,
    async release() {
      clearInterval(timer);
      await inFlight;
      return current;
    },
  };
}

/**
 * Before the send of a row that may have waited in its batch: the lease as it can be used. Other
 * workers only take rows whose lease has run out, so one with more than half of it left is still ours
 * as it is; an older one is renewed first, conditionally on its value (null: another worker has it).
 */
export async function confirmLease(ctx: AppContext, table: LeasedTable, id: string, lease: string): Promise<string | null> {
  if (Date.parse(lease) - ctx.now().getTime() > ctx.config.leaseMs / 2) return lease;
  return await renewLease(ctx, table, id, lease);
}

/** Extends a lease at once if it is still ours; null when another worker has taken the row meanwhile. */
export async function renewLease(ctx: AppContext, table: LeasedTable, id: string, lease: string): Promise<string | null> {
  const next = newLeaseValue(ctx, lease);
  const r = await ctx.db.kysely.updateTable(table).set({ lease_until: next })
    .where('id', '=', id).where('lease_until', '=', lease).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1 ? next : null;
}
