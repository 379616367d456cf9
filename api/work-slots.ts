import { AppError } from '#core/errors.ts';

/**
 * At most `size` of a kind of heavy work at once in this process (memory: the API's heap is capped,
 * scripts/node-flags.ts); the rest wait their turn in arrival order, each up to `maxWaitMs`, and
 * are then answered 503 `unavailable` with Retry-After. `inUse`/`waiting` are for tests and logs.
 */
export function createWorkSlots({ size, maxWaitMs, what }: { size: number; maxWaitMs: number; what: string }) {
  let inUse = 0;
  const queue: Array<{ start: () => void; timer: NodeJS.Timeout }> = [];

  const release = () => {
    const next = queue.shift();
    if (!next) {
      inUse--;
      return;
    }
    clearTimeout(next.timer);
    next.start();
  };

  return {
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
    /** Runs `task` once a slot is free (its slot is passed on when it settles). */
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (inUse < size) {
        inUse++;
      } else {
        await new Promise<void>((resolve, reject) => {
          const entry = {
            start: resolve,
            timer: setTimeout(() => {
              queue.splice(queue.indexOf(entry), 1);
              const retryAfter = Math.max(1, Math.ceil(maxWaitMs / 1000));
              reject(new AppError('unavailable', `Too many ${what} at once on this server; retry in a moment`, { retryAfterSeconds: retryAfter }, { 'Retry-After': String(retryAfter) }));
            }, maxWaitMs),
          };
          queue.push(entry);
        });
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
