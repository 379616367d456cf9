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

/** Share of a leased limiter's budget one process takes from Redis at a time. */
export const LIMITER_LEASE_SHARE = 0.1;

/**
 * A limiter for hot paths (ingest): same budget and answers as `createLimiter`, but points are
 * taken from Redis in leases (LIMITER_LEASE_SHARE of the budget, or more for a big request) and
 * spent locally, so most requests cost no Redis round trip. Near the limit it asks for exactly
 * what is missing (handing back a refused lease first), so within one process the budget is exact:
 * the request that would pass the limit is refused. Across P processes the budget holds too; a
 * process may just sit on up to one unspent lease a key until the window ends. A lease never
 * outlives its Redis window. Fails open like `createLimiter` when Redis is unavailable.
 */
export function createLeasedLimiter(opts: { redis: Redis; prefix: string; name: string; points: number; durationSec: number; logger: Logger }): Pick<Limiter, 'consume'> {
  const limiter = new RateLimiterRedis({
    storeClient: opts.redis,
    keyPrefix: `${opts.prefix}:rl:${opts.name}`,
    points: opts.points,
    duration: opts.durationSec,
    rejectIfRedisNotReady: true,
  });
  const leaseSize = Math.max(1, Math.floor(opts.points * LIMITER_LEASE_SHARE));
  /** key → points leased from Redis and not spent yet, until the Redis window ends. */
  const leases = new Map<string, { left: number; expiresAt: number }>();
  /** key → the lease request in flight (one at a time a key, so concurrent requests share it). */
  const pending = new Map<string, Promise<void>>();
  const tooMany = (res: RateLimiterRes) => {
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new AppError('rate_limited', `Too many requests; retry in ${retryAfter} s`, { retryAfterSeconds: retryAfter }, { 'Retry-After': String(retryAfter) });
  };
  const spend = (key: string, points: number): boolean => {
    const lease = leases.get(key);
    if (!lease || lease.expiresAt <= Date.now() || lease.left < points) return false;
    lease.left -= points;
    return true;
  };
  const take = async (key: string, points: number): Promise<void> => {
    const lease = leases.get(key);
    const held = lease && lease.expiresAt > Date.now() ? lease.left : 0;
    const missing = points - held;
    const grant = (res: RateLimiterRes, got: number) => {
      // Others may have spent from the lease while Redis answered: add to what is left now.
      const current = leases.get(key);
      const left = current && current.expiresAt > Date.now() ? current.left : 0;
      if (leases.size >= 100_000) leases.clear(); // bounded memory under an IP flood
      leases.set(key, { left: left + got, expiresAt: Date.now() + res.msBeforeNext });
    };
    const want = Math.max(missing, leaseSize);
    try {
      grant(await limiter.consume(key, want), want);
      return;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      if (want === missing) throw tooMany(res);
    }
    // The full lease did not fit: hand it back and ask for just what this request needs.
    await limiter.reward(key, want);
    try {
      grant(await limiter.consume(key, missing), missing);
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        await limiter.reward(key, missing);
        throw tooMany(res);
      }
      throw res;
    }
  };
  return {
    async consume(key, points = 1) {
      try {
        for (;;) {
          if (spend(key, points)) return;
          const inFlight = pending.get(key);
          if (inFlight) {
            await inFlight.catch(() => undefined);
            continue;
          }
          const request = take(key, points).finally(() => pending.delete(key));
          pending.set(key, request);
          await request;
          if (spend(key, points)) return;
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        opts.logger.warn({ err, limiter: opts.name }, 'rate limiter unavailable; allowing');
      }
    },
  };
}
