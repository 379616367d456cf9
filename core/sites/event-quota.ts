import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { retentionMonthsOf } from './event-retention.ts';
import type { SiteSettings } from './site.entity.ts';
import { getSite } from './sites.ts';
import { DAY_MS } from '../shared/time.ts';

/** How often a process adds its counts to Redis and reads the totals of all processes back. */
export const QUOTA_SYNC_MS = 250;
/** Sites one process tracks at once (a day's counters; cleared when passed). */
export const QUOTA_MAX_SITES = 100_000;

/** Analytics events a site accepts per UTC day. */
export function dailyEventQuotaOf(settings: Partial<SiteSettings> | null | undefined, config: Pick<Config, 'DAILY_EVENT_QUOTA'>): number {
  return settings?.dailyEventQuota ?? config.DAILY_EVENT_QUOTA;
}

/** The UTC day number of `ms` (days since the epoch) and when it ends. */
function dayOf(ms: number): { day: number; endsAt: number } {
  const day = Math.floor(ms / DAY_MS);
  return { day, endsAt: (day + 1) * DAY_MS };
}

const countKey = (prefix: string, siteId: string, day: number) => `${prefix}:quota:${day}:${siteId}`;
const reachedKey = (prefix: string, siteId: string, day: number) => `${prefix}:quota-reached:${day}:${siteId}`;

export interface EventQuota {
  /**
   * Counts `events` for the site's current UTC day; throws 429 `quota_exceeded` (Retry-After: until
   * midnight UTC) when they would pass its quota. No I/O: counted in this process, synced to Redis
   * in the background.
   */
  consume(site: { siteId: string; settings: Partial<SiteSettings> }, events: number, now: Date): void;
  close(): void;
}

/**
 * A site's daily event quota, counted like the shared-window limiters: in this process, and every
 * QUOTA_SYNC_MS the counts spent since are added to the day's counter in Redis (INCRBY, expiring
 * after two days) whose answer is the total of every API process. The first refusal of a day
 * records the time in Redis (SET NX) for the admin's notice (`readQuotaStatus`). Redis down → each
 * process enforces the quota on its own counts; requests never wait for Redis.
 */
export function createEventQuota({ redis, prefix, logger, config }: { redis: Redis; prefix: string; logger: Logger; config: Pick<Config, 'DAILY_EVENT_QUOTA'> }): EventQuota {
  const sites = new Map<string, { day: number; total: number; unsynced: number; reachedAt: number | null; reachedSent: boolean }>();
  let syncing = false;
  let warned = false;

  const sync = async () => {
    if (syncing) return;
    syncing = true;
    const today = dayOf(Date.now()).day;
    const batch: { siteId: string; day: number; sent: number; reachedAt: number | null }[] = [];
    for (const [siteId, s] of sites) {
      if (s.day < today) sites.delete(siteId);
      else if (s.unsynced > 0 || (s.reachedAt !== null && !s.reachedSent)) batch.push({ siteId, day: s.day, sent: s.unsynced, reachedAt: s.reachedSent ? null : s.reachedAt });
    }
    try {
      if (!batch.length) return;
      const pipeline = redis.pipeline();
      for (const b of batch) {
        const key = countKey(prefix, b.siteId, b.day);
        pipeline.incrby(key, b.sent).pexpire(key, 2 * DAY_MS);
        if (b.reachedAt !== null) pipeline.set(reachedKey(prefix, b.siteId, b.day), String(b.reachedAt), 'PX', 2 * DAY_MS, 'NX');
      }
      const answers = (await pipeline.exec()) ?? [];
      let at = 0;
      for (const b of batch) {
        const [err, total] = answers[at] ?? [];
        at += b.reachedAt !== null ? 3 : 2;
        const s = sites.get(b.siteId);
        if (err || !s || s.day !== b.day) continue;
        s.unsynced -= b.sent;
        s.total = Number(total);
        if (b.reachedAt !== null) s.reachedSent = true;
      }
      warned = false;
    } catch (err) {
      if (!warned) logger.warn({ err }, 'event quota cannot reach Redis; counting in this process only');
      warned = true;
    } finally {
      syncing = false;
    }
  };
  const timer = setInterval(() => void sync(), QUOTA_SYNC_MS);
  timer.unref();

  return {
    consume(site, events, now) {
      const nowMs = now.getTime();
      const { day, endsAt } = dayOf(nowMs);
      let s = sites.get(site.siteId);
      if (!s || s.day !== day) {
        if (sites.size >= QUOTA_MAX_SITES) sites.clear();
        s = { day, total: 0, unsynced: 0, reachedAt: null, reachedSent: false };
        sites.set(site.siteId, s);
      }
      const quota = dailyEventQuotaOf(site.settings, config);
      if (s.total + s.unsynced + events > quota) {
        if (s.reachedAt === null) s.reachedAt = nowMs;
        const retryAfter = Math.max(1, Math.ceil((endsAt - nowMs) / 1000));
        throw new AppError(
          'quota_exceeded',
          `This site's daily event quota (${quota}) is reached; events are dropped until midnight UTC`,
          { dailyEventQuota: quota, resetsAt: new Date(endsAt).toISOString() },
          { 'Retry-After': String(retryAfter) },
        );
      }
      s.unsynced += events;
    },
    close() {
      clearInterval(timer);
    },
  };
}

export interface QuotaStatus {
  dailyEventQuota: number;
  /** Events counted today (UTC) by every API process, as Redis knows it (up to QUOTA_SYNC_MS behind). */
  usedToday: number;
  /** When today's quota was first reached, or null. */
  reachedAt: string | null;
  /** Midnight UTC, when the count starts again. */
  resetsAt: string;
}

/** Today's quota use of a site, for the admin's notice. Redis unreachable → zero use, not reached. */
export async function readQuotaStatus({ redis, prefix, siteId, settings, config, now }: {
  redis: Redis;
  prefix: string;
  siteId: string;
  settings: Partial<SiteSettings> | null;
  config: Pick<Config, 'DAILY_EVENT_QUOTA'>;
  now: Date;
}): Promise<QuotaStatus> {
  const { day, endsAt } = dayOf(now.getTime());
  const [used, reached] = await redis.mget(countKey(prefix, siteId, day), reachedKey(prefix, siteId, day)).catch(() => [null, null]);
  return {
    dailyEventQuota: dailyEventQuotaOf(settings, config),
    usedToday: Number(used ?? 0),
    reachedAt: reached ? new Date(Number(reached)).toISOString() : null,
    resetsAt: new Date(endsAt).toISOString(),
  };
}

/** The tenant's site's quota status and retention (404 for another realtor's site). */
export async function getSiteQuota({ em, tenant, siteId, redis, prefix, config, now }: {
  em: EntityManager;
  tenant: Tenant;
  siteId: string;
  redis: Redis;
  prefix: string;
  config: Pick<Config, 'DAILY_EVENT_QUOTA' | 'EVENT_RETENTION_MONTHS'>;
  now: Date;
}): Promise<QuotaStatus & { retentionMonths: number; defaults: { retentionMonths: number; dailyEventQuota: number } }> {
  const site = await getSite({ em, tenant, siteId });
  const status = await readQuotaStatus({ redis, prefix, siteId: site.siteId, settings: site.settings, config, now });
  return {
    ...status,
    retentionMonths: retentionMonthsOf(site.settings, config),
    // What a site without its own setting gets (the admin shows them as the fields' defaults).
    defaults: { retentionMonths: config.EVENT_RETENTION_MONTHS, dailyEventQuota: config.DAILY_EVENT_QUOTA },
  };
}
