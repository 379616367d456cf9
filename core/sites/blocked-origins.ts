// The install check's "blocked requests": ingest requests refused because their Origin is not one
// of the site's allowed origins, counted per site and origin in Redis — one hash per site per
// 10-minute bucket (HINCRBY, expiring after the hour it covers), so a flood of refused beacons
// costs one Redis command each and never a Postgres write. The admin reads the last hour.
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { MINUTE_MS } from '../shared/time.ts';

/** Width of one counting bucket. */
export const BLOCKED_BUCKET_MS = 10 * MINUTE_MS;
/** Buckets read for "the last hour" (the current one included). */
export const BLOCKED_WINDOW_BUCKETS = 6;
/** Distinct origins kept per bucket: made-up Origin headers must not grow a hash without bound. */
export const BLOCKED_MAX_ORIGINS_PER_BUCKET = 50;

/**
 * The ingest refusal for an Origin the site does not allow (403 `forbidden`). It carries the site
 * and the origin for the counter; neither is sent to the client beyond the message.
 */
export class RefusedOriginError extends AppError {
  readonly siteId: string;
  readonly origin: string;
  constructor(siteId: string, origin: string) {
    super('forbidden', `Origin ${origin} is not allowed for this site; add it on the Sites page`);
    this.siteId = siteId;
    this.origin = origin;
  }
}

function bucketKey(prefix: string, siteId: string, bucket: number): string {
  return `${prefix}:blocked-origins:${siteId}:${bucket}`;
}

// Keeps the field count bounded without a read per request: a Lua script adds the origin only
// while the hash has room (an origin already counted always counts).
const COUNT_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HLEN', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1`;

/** Counts one refused request. Best-effort: a Redis failure is logged, never raised. */
export async function countRefusedOrigin({ redis, prefix, siteId, origin, now, log }: { redis: Redis; prefix: string; siteId: string; origin: string; now: Date; log?: Logger }): Promise<void> {
  const bucket = Math.floor(now.getTime() / BLOCKED_BUCKET_MS);
  const ttlMs = (BLOCKED_WINDOW_BUCKETS + 1) * BLOCKED_BUCKET_MS;
  await redis
    .eval(COUNT_SCRIPT, 1, bucketKey(prefix, siteId, bucket), origin, BLOCKED_MAX_ORIGINS_PER_BUCKET, ttlMs)
    .catch((err: unknown) => log?.warn({ err }, 'could not count a refused origin'));
}

export interface BlockedOrigin {
  origin: string;
  /** Refused requests in the last hour. */
  count: number;
}

/** Refused requests per origin over the last hour, most first. */
export async function readBlockedOrigins({ redis, prefix, siteId, now }: { redis: Redis; prefix: string; siteId: string; now: Date }): Promise<BlockedOrigin[]> {
  const current = Math.floor(now.getTime() / BLOCKED_BUCKET_MS);
  const pipeline = redis.pipeline();
  for (let i = 0; i < BLOCKED_WINDOW_BUCKETS; i++) pipeline.hgetall(bucketKey(prefix, siteId, current - i));
  const results = (await pipeline.exec()) ?? [];
  const totals = new Map<string, number>();
  for (const [err, hash] of results) {
    if (err || !hash) continue;
    for (const [origin, count] of Object.entries(hash as Record<string, string>)) totals.set(origin, (totals.get(origin) ?? 0) + Number(count));
  }
  return [...totals].map(([origin, count]) => ({ origin, count })).sort((a, b) => b.count - a.count || a.origin.localeCompare(b.origin));
}
