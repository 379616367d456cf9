import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '#core/errors.ts';
import type { Logger } from '#core/logger.ts';

export interface Limiter {
  /** Consumes one point for `key`; throws 429 with Retry-After when the budget is spent. */
  consume(key: string, points?: number): Promise<void>;
  /** Throws 429 if the budget is already spent, without consuming. */
  check(key: string): Promise<void>;
  reset(key: string): Promise<void>;
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
    return new AppError('rate_limited', `Too many requests; retry in ${retryAfter} s`, { retryAfterSeconds: retryAfter }, { 'Retry-After': String(retryAfter) });
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
  };
}
