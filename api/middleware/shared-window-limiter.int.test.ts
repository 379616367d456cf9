// createSharedWindowLimiter against the real Redis: two instances stand for two API processes.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '#core/errors.ts';
import { createLogger } from '#core/logger.ts';
import { closeRedis, createRequestRedis, waitForRedis } from '#core/redis.ts';
import { deletePrefixedKeys } from '#test/app.ts';
import { createQueuePrefix } from '#test/db.ts';
import { TEST_REDIS_URL } from '#test/env.ts';
import { createSharedWindowLimiter, SHARED_WINDOW_SYNC_MS } from './rate-limit.ts';

const redis = createRequestRedis(TEST_REDIS_URL, { name: 'limiter-test' });
const prefix = createQueuePrefix();
const logger = createLogger({ level: 'silent', name: 'test' });
// Hour windows: a test never straddles a window boundary in practice.
const WINDOW_SEC = 3600;
const make = (points: number) => createSharedWindowLimiter({ redis, prefix, logger, name: 'test', points, durationSec: WINDOW_SEC });
const limiters: ReturnType<typeof make>[] = [];

async function refused(promise: Promise<void>): Promise<AppError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeAll(async () => {
  await waitForRedis(redis, 10_000);
});
afterAll(async () => {
  for (const l of limiters) l.close();
  await deletePrefixedKeys(redis, prefix);
  await closeRedis(redis);
});

describe('createSharedWindowLimiter', () => {
  it('is exact within one process: the request that would pass the budget gets 429 with Retry-After', async () => {
    const limiter = make(100);
    limiters.push(limiter);
    await limiter.consume('ip-a', 60);
    await limiter.consume('ip-a', 40);
    const err = await refused(limiter.consume('ip-a', 1));
    expect(err.status).toBe(429);
    expect(Number(err.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(Number(err.headers?.['Retry-After'])).toBeLessThanOrEqual(WINDOW_SEC);
    await limiter.consume('ip-b', 100); // other keys keep their own budget
  });

  it('shares the budget across processes through Redis: a process learns the total at its next sync', async () => {
    const a = make(100);
    const b = make(100);
    limiters.push(a, b);
    const redisCount = async () => Number(await redis.get(`${prefix}:rl:test:${Math.floor(Date.now() / (WINDOW_SEC * 1000))}:site-1`));
    await a.consume('site-1', 90);
    await vi.waitFor(async () => expect(await redisCount()).toBe(90), { timeout: SHARED_WINDOW_SYNC_MS * 8 });
    // b has not seen the key yet: it admits its first request, and learns the total of 95 when it syncs it.
    await b.consume('site-1', 5);
    await vi.waitFor(async () => expect(await redisCount()).toBe(95), { timeout: SHARED_WINDOW_SYNC_MS * 8 });
    expect((await refused(b.consume('site-1', 6))).status).toBe(429);
    await b.consume('site-1', 5);
  });

  it('syncs thousands of keys in one interval (one script per 2,000 keys), each key’s count exact', async () => {
    const limiter = make(10);
    limiters.push(limiter);
    const keys = Array.from({ length: 4100 }, (_, i) => `ip-many-${i}`);
    for (const [i, key] of keys.entries()) await limiter.consume(key, 1 + (i % 3));
    const window = Math.floor(Date.now() / (WINDOW_SEC * 1000));
    await vi.waitFor(async () => {
      const values = await redis.mget(...keys.map((k) => `${prefix}:rl:test:${window}:${k}`));
      expect(values.map(Number)).toEqual(keys.map((_, i) => 1 + (i % 3)));
    }, { timeout: SHARED_WINDOW_SYNC_MS * 12 });
    const ttl = await redis.pttl(`${prefix}:rl:test:${window}:ip-many-4099`);
    expect(ttl).toBeGreaterThan(WINDOW_SEC * 1000);
  });
});
