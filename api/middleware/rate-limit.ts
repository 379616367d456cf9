import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, rateLimited } from '#core/errors.ts';
import type { Logger } from '#core/logger.ts';

/** True for the 429 a limiter's `consume` or `check` throws. */
export function isRateLimited(err: unknown): boolean {
  return err instanceof AppError && err.code === 'rate_limited';
}

export interface Limiter {
  /** Consumes one point for `key`; throws 429 with Retry-After when the budget is spent. */
  consume(key: string, points?: number): Promise<void>;
  /** Throws 429 if the budget is already spent, without consuming. */
  check(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Gives back `points` consumed for `key` (the work they paid for did not happen). */
  refund(key: string, points?: number): Promise<void>;
}

/**
 * A Redis-backed fixed-window limiter. If Redis is unreachable it fails open (logs, allows):
 * an outage of the scheduler must not take ingestion or login down with it. Failing open only
 * helps if it is quick: give it a fail-fast connection (`createRequestRedis`, the runtime's
 * `redis`), whose commands are refused while disconnected and time out when Redis stops answering.
 */
export function createLimiter(opts: { redis: Redis; prefix: string; name: string; points: number; durationSec: number; logger: Logger }): Limiter {
  const limiter = new RateLimiterRedis({
    storeClient: opts.redis,
    keyPrefix: `${opts.prefix}:rl:${opts.name}`,
    points: opts.points,
    duration: opts.durationSec,
    // Refuse at once while the connection is not ready, whatever the client's own queueing options.
    rejectIfRedisNotReady: true,
  });
  const tooMany = (res: RateLimiterRes) => {
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return rateLimited(`Too many requests; retry in ${retryAfter} s`, retryAfter);
  };
  return {
    async consume(key, points = 1) {
      try {
        await limiter.consume(key, points);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw tooMany(res);
        opts.logger.warn({ err: res, limiter: opts.name }, 'rate limiter unavailable; allowing');
      }
    },
    async check(key) {
      try {
        const res = await limiter.get(key);
        if (res && res.consumedPoints >= opts.points) throw tooMany(res);
      } catch (err) {
        if (err instanceof AppError) throw err;
        opts.logger.warn({ err, limiter: opts.name }, 'rate limiter unavailable; allowing');
      }
    },
    async reset(key) {
      await limiter.delete(key).catch(() => undefined);
    },
    async refund(key, points = 1) {
      await limiter.reward(key, points).catch(() => undefined);
    },
  };
}

/** How often a shared-window limiter sends this process's counts to Redis and reads the totals back. */
export const SHARED_WINDOW_SYNC_MS = 250;
/**
 * Adds each key's count (ARGV[2…]) and sets its expiry (ARGV[1] ms); returns the totals in key
 * order. The keys of one sync are the windows of one limiter: a Redis Cluster would need them in
 * one hash slot (Porchlight runs against a single Redis, as BullMQ's prefixes do).
 */
const SYNC_SCRIPT = `
local totals = {}
for i, key in ipairs(KEYS) do
  totals[i] = redis.call('INCRBY', key, ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return totals`;

/** Keys per sync script. */
const SHARED_WINDOW_SYNC_CHUNK = 2000;

/** Keys one shared-window limiter tracks at most in memory (an IP flood must not grow it without bound). */
export const SHARED_WINDOW_MAX_KEYS = 100_000;

/**
 * A limiter for hot paths (ingest) that costs no Redis round trip per request: a fixed window per
 * key (aligned on `durationSec` boundaries) counted in this process, and every
 * SHARED_WINDOW_SYNC_MS the counts spent since the last sync are added to the keys' windows in
 * Redis by one script (INCRBY + PEXPIRE per key), whose answer is the totals of all processes.
 * A request is refused when the last known total plus what this process spent since passes the
 * budget. So within one process the budget is exact (the request that would pass it gets 429);
 * across P API processes a key can overshoot by what the others spent in one sync interval.
 * Redis unavailable → the counts stay local (each process enforces the budget on its own) and
 * the sync retries; requests never wait for Redis.
 */
export function createSharedWindowLimiter(opts: { redis: Redis; prefix: string; name: string; points: number; durationSec: number; logger: Logger }): Pick<Limiter, 'consume'> & { close(): void } {
  const windowMs = opts.durationSec * 1000;
  /** key → the current window's counts: `total` as Redis last said (all processes), `unsynced` spent here since. */
  const windows = new Map<string, { window: number; total: number; unsynced: number }>();
  let syncing = false;
  let warned = false;

  const sync = async () => {
    if (syncing) return;
    syncing = true;
    const now = Date.now();
    const current = Math.floor(now / windowMs);
    const batch: { key: string; window: number; sent: number }[] = [];
    for (const [key, w] of windows) {
      if (w.window < current) windows.delete(key);
      else if (w.unsynced > 0) batch.push({ key, window: w.window, sent: w.unsynced });
    }
    try {
      if (!batch.length) return;
      // One script per sync (not two commands per key): a sync carries one entry per key touched
      // in the interval — thousands under a beacon flood from many addresses — and each command
      // would cost the client an object, a promise and a timer.
      // Chunks bound how long one script holds Redis.
      for (let at = 0; at < batch.length; at += SHARED_WINDOW_SYNC_CHUNK) {
        const chunk = batch.slice(at, at + SHARED_WINDOW_SYNC_CHUNK);
        const keys = chunk.map((b) => `${opts.prefix}:rl:${opts.name}:${b.window}:${b.key}`);
        const totals = (await opts.redis.eval(SYNC_SCRIPT, keys.length, ...keys, windowMs * 2, ...chunk.map((b) => b.sent))) as number[];
        for (const [i, b] of chunk.entries()) {
          const w = windows.get(b.key);
          if (!w || w.window !== b.window) continue;
          w.unsynced -= b.sent;
          w.total = Number(totals[i]);
        }
      }
      warned = false;
    } catch (err) {
      if (!warned) opts.logger.warn({ err, limiter: opts.name }, 'rate limiter cannot reach Redis; counting in this process only');
      warned = true;
    } finally {
      syncing = false;
    }
  };
  const timer = setInterval(() => void sync(), SHARED_WINDOW_SYNC_MS);
  timer.unref();

  return {
    async consume(key, points = 1) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      let w = windows.get(key);
      if (!w || w.window !== window) {
        if (windows.size >= SHARED_WINDOW_MAX_KEYS) windows.clear();
        w = { window, total: 0, unsynced: 0 };
        windows.set(key, w);
      }
      if (w.total + w.unsynced + points > opts.points) {
        const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
        throw rateLimited(`Too many requests; retry in ${retryAfter} s`, retryAfter);
      }
      w.unsynced += points;
    },
    close() {
      clearInterval(timer);
    },
  };
}
