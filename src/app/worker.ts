import type { AppContext } from './context.ts';
import { claimDueRecipients, deliverRecipient, type ClaimedRecipient, type SendGate } from './deliver.ts';
import { sendDueNotifications } from './notify-hotel.ts';
import { dispatchDueWebhooks } from './deliver-webhooks.ts';

/** Batches one pass claims at most before it turns to notifications and webhooks. */
const MAX_CLAIMS_PER_PASS = 8;
/** Delivery lanes per sending slot (see the gate below). */
const LANES_PER_SLOT = 4;

export interface Worker {
  /** Wakes the loop now instead of at the next poll. */
  wake(): void;
  /** Stops claiming and waits for in-flight attempts (SIGTERM drain). */
  stop(): Promise<void>;
  /** Runs one pass to completion (tests and `rebound run-once`). */
  runOnce(): Promise<number>;
}

/** The delivery loop: claim due recipients, deliver them with bounded concurrency, then send due notifications. */
export function startWorker(ctx: AppContext, opts: { concurrency?: number; batch?: number; autoStart?: boolean } = {}): Worker {
  const concurrency = opts.concurrency ?? 8;
  const batch = opts.batch ?? 50;
  let running = opts.autoStart !== false;
  /** stop() was called: what is claimed is delivered, nothing more is claimed. */
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeUp: (() => void) | null = null;
  let loopDone: Promise<void> = Promise.resolve();
  /** Lanes of earlier passes still delivering (sends on a slow next hop). */
  const inFlight = new Set<Promise<void>>();

  // At most `concurrency` sends at once (the relay pool has as many connections), but four times as
  // many lanes: while recipients' outcomes are being written (each waits for a group commit) or the
  // next ones read, every sending slot still has a recipient ready (2 lanes per slot: 991 msg/s on
  // the SQLite bench, 4: 1086, same run).
  let free = concurrency;
  const waiting: (() => void)[] = [];
  const gate: SendGate = async (send) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await send();
    } finally {
      const nextSend = waiting.shift();
      if (nextSend) nextSend();
      else free++;
    }
  };

  /**
   * One pass: deliver due recipients, then send due notifications and webhooks. Recipients are
   * claimed in batches, and the next batch is claimed while the last recipients of the current one
   * are still being sent, so the lanes never wait for the slowest send of a batch. A pass takes at
   * most MAX_CLAIMS_PER_PASS batches, so notifications and webhooks get their turn under any load.
   * The loop's passes end once every claimed recipient is taken up by a lane: a send stuck on a slow
   * next hop (up to the socket timeout) finishes in the background instead of holding up the next
   * claims and the hotels' notifications. `runOnce` waits for every delivery.
   */
  async function pass(waitForAll = true): Promise<number> {
    let done = 0;
    let taken = 0;
    let signalDrained: () => void = () => {};
    const drained = new Promise<void>((resolve) => { signalDrained = resolve; });
    const queue: ClaimedRecipient[] = [];
    let claims = 0;
    let exhausted = false;
    let refilling: Promise<void> | null = null;
    const refill = (): Promise<void> => {
      refilling ??= (async () => {
        try {
          const claimed = await claimDueRecipients(ctx, batch);
          claims++;
          queue.push(...claimed);
          if (claimed.length < batch || claims >= MAX_CLAIMS_PER_PASS) exhausted = true;
        } catch (e) {
          exhausted = true;
          throw e;
        } finally {
          refilling = null;
        }
      })();
      return refilling;
    };
    await refill();
    if (queue.length === 0) exhausted = true;
    const lanes = Array.from({ length: Math.min(concurrency * LANES_PER_SLOT, Math.max(queue.length, 1)) }, async () => {
      for (;;) {
        // Claim ahead while enough is left to keep every sending slot busy. After stop() no new
        // claims; what is claimed is still delivered (drain).
        if (!exhausted && !stopped && queue.length <= concurrency) refill().catch((e) => ctx.log.error({ err: (e as Error).message }, 'claiming due recipients failed'));
        const r = queue.shift();
        if (!r) {
          if (refilling) { await refilling.catch(() => {}); continue; }
          signalDrained();
          break;
        }
        taken++;
        if (queue.length === 0 && exhausted && !refilling) signalDrained();
        try {
          await deliverRecipient(ctx, r, gate);
        } catch (e) {
          // The lease expires and another pass retries: at-least-once, never lost.
          ctx.log.error({ recipient: r.id, err: (e as Error).message }, 'delivery bookkeeping failed; will retry after the lease');
        }
        done++;
      }
    });
    const lanesDone = Promise.all(lanes).then(() => {});
    if (waitForAll) {
      await lanesDone;
    } else {
      await Promise.race([lanesDone, drained]);
      inFlight.add(lanesDone);
      void lanesDone.finally(() => inFlight.delete(lanesDone));
      done = taken; // what this pass set going counts as work: the loop goes on without waiting
    }
    done += await sendDueNotifications(ctx);
    done += await dispatchDueWebhooks(ctx);
    return done;
  }

  async function loop() {
    while (running) {
      let worked = 0;
      try {
        worked = await pass(false);
      } catch (e) {
        ctx.log.error({ err: (e as Error).message }, 'worker pass failed');
      }
      if (!running) break;
      if (worked > 0) continue;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, ctx.config.workerPollMs);
      });
      wakeUp = null;
      if (timer) clearTimeout(timer);
    }
  }

  if (running) loopDone = loop();

  return {
    wake() {
      wakeUp?.();
    },
    async stop() {
      running = false;
      stopped = true;
      wakeUp?.();
      await loopDone;
      // Deliveries a pass left running (a slow next hop) are finished and recorded before the exit.
      await Promise.all(inFlight);
    },
    runOnce: () => pass(true),
  };
}
