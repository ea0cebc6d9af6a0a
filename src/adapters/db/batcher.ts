/**
 * Items handed in while earlier batches are being written are written together, as one statement:
 * on PostgreSQL each statement is a round trip and a commit, which cost more than the rows themselves.
 * `run` answers one result per item, in order. Up to `parallel` batches are written at once (each on a
 * pooled connection of its own). If `run` throws, every item of that batch gets the error; callers
 * then write their item on its own, which also finds the one item that caused it.
 *
 * The hot paths use `parallel: 1`: while one statement is in flight the next batch fills, so each
 * statement carries more rows and PostgreSQL has fewer statements, commits and wake-ups to do. Against
 * 4 at once, same session (`npm run bench -- --only pg1`, 20,000 messages, alternated): about a quarter
 * less CPU per message in the API, the worker and PostgreSQL each, and a lower API p50. Several
 * processes still write side by side, one batch each.
 */
export interface Batcher<I, O> {
  submit(item: I): Promise<O>;
}

export function batcher<I, O>(run: (items: I[]) => Promise<O[]>, opts: { max: number; parallel: number }): Batcher<I, O> {
  let queue: { item: I; resolve(o: O): void; reject(e: unknown): void }[] = [];
  let active = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled || active >= opts.parallel || queue.length === 0) return;
    scheduled = true;
    // After the current turn of the event loop: what the other requests of this turn hand in joins.
    setImmediate(() => {
      scheduled = false;
      if (active >= opts.parallel || queue.length === 0) return;
      const jobs = queue.slice(0, opts.max);
      queue = queue.slice(jobs.length);
      active++;
      run(jobs.map((j) => j.item)).then(
        (results) => jobs.forEach((j, i) => j.resolve(results[i]!)),
        (e) => jobs.forEach((j) => j.reject(e)),
      ).finally(() => {
        active--;
        schedule();
      });
      schedule();
    });
  }

  return {
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}
