import type { EntityManager } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import type { Queues } from '../jobs/queues.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { LEAD_COLUMNS } from '../leads/lead-json.ts';
import type { Logger } from '../logger.ts';
import { DAY_MS } from '../shared/time.ts';
import { createOwedResets, type OwedResets } from './owed-resets.ts';

// Live updates for the open admin (docs/live-updates.md). A change publishes its event AFTER its
// commit, best-effort: the event goes to a capped per-account Redis stream (the backlog a
// reconnecting client replays from its Last-Event-ID) and, with the stream id it got, to the
// account's pub/sub channel (what every API process's open streams listen to). A failure to
// publish is one warning and never fails the change; the publisher remembers the account and,
// once Redis answers again, publishes a `reset` for it, so its open admins reload what they show.

/**
 * What a stream carries. `reset` is not a change: a publisher that could not publish some of the
 * account's events publishes it once Redis answers again (`publishOwedResets`), so the open admins
 * reload everything (the same `event: reset` the hub sends when its subscriber comes back).
 */
export const LIVE_EVENT_TYPES = ['lead.created', 'lead.updated', 'leads.rescored', 'reminder.due', 'reset'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  type: LiveEventType;
  data: Record<string, unknown>;
}

/** A published event as subscribers receive it: the backlog stream's id (`<ms>-<seq>`) comes with it. */
export interface PublishedLiveEvent extends LiveEvent {
  id: string;
}

/** Entries kept per account for replay (XADD MAXLEN ~, so Redis trims in whole nodes: at least this many). */
export const LIVE_BACKLOG_MAX = 1000;
/** An idle account's backlog expires after this (refreshed by every event). */
export const LIVE_BACKLOG_TTL_MS = DAY_MS;

/** The account's backlog stream (a key under the queue prefix, so test cleanup and key scans find it). */
export function liveStreamKey(prefix: string, accountId: string): string {
  return `${prefix}:live:${accountId}`;
}

/** The account's pub/sub channel (channels are not keys: same name, no clash). */
export function liveChannel(prefix: string, accountId: string): string {
  return `${prefix}:live:${accountId}`;
}

// One round trip, atomic: append to the backlog, then announce with the id Redis gave it, so a
// subscriber never sees an event the backlog does not have (replay and live agree on ids).
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 't', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], '{"id":"' .. id .. '","type":"' .. ARGV[2] .. '","data":' .. ARGV[3] .. '}')
return id`;

export interface LivePublisher {
  /**
   * Publishes `events` to the account's open admins; never throws. When it fails, the account is
   * owed a `reset` (see `publishOwedResets`).
   */
  publish(accountId: string, events: readonly LiveEvent[]): Promise<void>;
  /**
   * Publishes the `reset` owed to each account whose events could not be published on this
   * connection (under this prefix) — into its backlog and on its channel, like any event, so a
   * stream that reconnects later replays it — and resolves with how many accounts were told (0:
   * nothing owed, or Redis still not answering: it is tried again later). Runs by itself (after
   * the next publish that works, and every LIVE_RESET_RETRY_MS while something is owed); never throws.
   */
  publishOwedResets(): Promise<number>;
}

/**
 * While a `reset` is owed, how often the publisher asks Redis whether it answers again (one PING,
 * then the resets). Nothing runs while nothing is owed.
 */
export const LIVE_RESET_RETRY_MS = 1000;

/** The resets a publisher owes, and the attempt to publish them under way. */
interface ResetDebt {
  owed: OwedResets;
  paying?: Promise<number>;
  retry?: NodeJS.Timeout;
}

/** `pattern` matched literally by PSUBSCRIBE-style globs (PUBSUB CHANNELS). */
function escapeGlob(pattern: string): string {
  return pattern.replace(/[*?[\]\\]/g, '\\$&');
}

/** A publisher on `redis` (a fail-fast request connection: a Redis outage costs at most its command timeout). */
export function createLivePublisher({ redis, prefix, log, owedResetsMax, retryMs = LIVE_RESET_RETRY_MS }: {
  redis: Redis; prefix: string; log: Logger;
  /** Accounts remembered one by one for a `reset` (LIVE_OWED_RESETS_MAX). */
  owedResetsMax?: number;
  /** How often it tries again while something is owed. Default LIVE_RESET_RETRY_MS. */
  retryMs?: number;
}): LivePublisher {
  // The resets this publisher owes. One publisher per process (the API app's, the worker
  // runtime's: `AppServices.live`, `HandlerContext.live`), so the debt lives until Redis is back.
  const debt: ResetDebt = { owed: createOwedResets({ max: owedResetsMax }) };
  const channelPrefix = liveChannel(prefix, '');

  const evalPublish = (pipeline: ReturnType<Redis['pipeline']>, accountId: string, e: LiveEvent) =>
    pipeline.eval(PUBLISH_SCRIPT, 1, liveStreamKey(prefix, accountId), LIVE_BACKLOG_MAX, e.type, JSON.stringify(e.data), LIVE_BACKLOG_TTL_MS, liveChannel(prefix, accountId));

  /** Tries again in `retryMs` while something is owed (not once the connection was closed for good). */
  function retryLater(): void {
    if (debt.retry || debt.paying || debt.owed.isEmpty() || redis.status === 'end') return;
    debt.retry = setTimeout(() => {
      debt.retry = undefined;
      void publishOwedResets();
    }, retryMs);
    debt.retry.unref();
  }

  async function payOnce(): Promise<number> {
    // The probe: a frozen Redis times out here (REDIS_COMMAND_TIMEOUT_MS), a stopped one refuses
    // at once; and no reset is sent into a socket nobody reads (it would go out once per attempt).
    await redis.ping();
    const taken = debt.owed.take();
    const accountIds = new Set(taken.accountIds);
    if (taken.all) {
      // Too many accounts to remember: every account with an open stream in any process.
      const channels = (await redis.pubsub('CHANNELS', `${escapeGlob(channelPrefix)}*`)) as string[];
      for (const channel of channels) accountIds.add(channel.slice(channelPrefix.length));
    }
    const ids = [...accountIds];
    const pipeline = redis.pipeline();
    for (const accountId of ids) evalPublish(pipeline, accountId, { type: 'reset', data: {} });
    const results = ids.length ? ((await pipeline.exec()) ?? []) : [];
    const told = ids.filter((_, i) => results[i] && !results[i][0]);
    debt.owed.settle(taken, told, taken.all && told.length === ids.length);
    if (told.length) log.info({ accounts: told.length, all: taken.all }, 'live events could not be published earlier; told the open admins to reload');
    return told.length;
  }

  function publishOwedResets(): Promise<number> {
    if (debt.paying) return debt.paying;
    if (debt.owed.isEmpty()) return Promise.resolve(0);
    clearTimeout(debt.retry);
    debt.retry = undefined;
    debt.paying = payOnce()
      .catch((err: unknown) => {
        log.debug({ err: (err as Error).message }, 'could not publish the owed live resets yet; trying again');
        return 0;
      })
      .finally(() => {
        debt.paying = undefined;
        retryLater();
      });
    return debt.paying;
  }

  return {
    async publish(accountId, events) {
      if (events.length === 0) return;
      try {
        const pipeline = redis.pipeline();
        for (const e of events) evalPublish(pipeline, accountId, e);
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([err]) => err);
        if (failed) throw failed[0];
      } catch (err) {
        debt.owed.owe(accountId);
        retryLater();
        log.warn({ err: (err as Error).message, accountId, events: events.length }, 'could not publish live events; the open admins are told to reload once Redis answers');
        return;
      }
      // Redis answers again: pay what earlier failures owe (not awaited: the change is done).
      if (!debt.owed.isEmpty()) void publishOwedResets();
    },
    publishOwedResets,
  };
}

/**
 * The control message on an account's channel that asks every open stream of the account, in
 * every API process, to check its access again at once (an API key was revoked). Not an event:
 * no id, not in the backlog, never sent to a client.
 */
export const LIVE_ACCESS_CHANGED = 'access.changed';

/** `{"control":"access.changed"}`: what `announceAccessChange` publishes and the hub recognises. */
export function isAccessChangedMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { control?: unknown }).control === LIVE_ACCESS_CHANGED;
}

/**
 * Tells every API process that the account's access changed (an API key revoked): its open streams
 * ask their access check again now, and events published after this call wait for the answer (and
 * are dropped with a stream that lost its access). Call after the change has committed, and before
 * answering. Best-effort on the fail-fast request connection: when Redis is unavailable it is one
 * warning, and the streams find out at their next heartbeat (docs/live-updates.md). Never throws.
 */
export async function announceAccessChange({ redis, prefix, accountId, log }: { redis: Redis; prefix: string; accountId: string; log: Logger }): Promise<void> {
  try {
    await redis.publish(liveChannel(prefix, accountId), JSON.stringify({ control: LIVE_ACCESS_CHANGED }));
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not tell open live streams that access changed; they check again at their next heartbeat');
  }
}

/**
 * A publisher on the connection the producer queues were given (`createQueues(redis, …)`): the
 * worker's handler context has queues but no Redis of its own. A no-op if that is not a client.
 */
export function createLivePublisherForQueues(queues: Queues, prefix: string, log: Logger): LivePublisher {
  const connection = queues.leads.opts.connection;
  if (connection instanceof Redis) return createLivePublisher({ redis: connection, prefix, log });
  return { publish: async () => undefined, publishOwedResets: async () => 0 };
}

/** The lead as live events carry it: enough to place it in a list or on the board. */
async function readLiveLeads(em: EntityManager, leadIds: readonly string[]) {
  if (leadIds.length === 0) return [];
  return db(em).selectFrom('leads').select([...LEAD_COLUMNS, 'user_id']).where('lead_id', 'in', leadIds).execute();
}

/**
 * Publishes `lead.created` or `lead.updated` for leads whose change has committed, grouped by
 * owning account. Reads the leads as they are now (a deleted one is skipped). Never throws.
 */
export async function publishLeadEvents({ em, publisher, type, leadIds, log }: {
  em: EntityManager; publisher: LivePublisher; type: 'lead.created' | 'lead.updated'; leadIds: readonly string[]; log: Logger;
}): Promise<void> {
  try {
    const rows = await readLiveLeads(em, leadIds);
    const byAccount = new Map<string, LiveEvent[]>();
    for (const r of rows) {
      const data = {
        leadId: r.lead_id, name: r.name, email: r.email, phone: r.phone, score: Number(r.score), scoreBand: r.score_band,
        status: r.status, stage: r.stage ?? null, createdAt: pgTimeToIsoStrict(r.created_at), updatedAt: pgTimeToIsoStrict(r.updated_at),
      };
      byAccount.set(r.user_id, [...(byAccount.get(r.user_id) ?? []), { type, data }]);
    }
    for (const [accountId, events] of byAccount) await publisher.publish(accountId, events);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not read leads for live events');
  }
}

type ScoreChange = { leadId: string; score: number; previousScore: number; band: string; previousBand: string };
const movedLeadIds = (results: readonly ScoreChange[]) => results.filter((r) => r.score !== r.previousScore || r.band !== r.previousBand).map((r) => r.leadId);

/** `lead.updated` for a lead whose own scoring job moved its score or band, after the commit. Never throws. */
export async function publishScoreChanges({ em, publisher, results, log }: {
  em: EntityManager; publisher: LivePublisher; results: readonly ScoreChange[]; log: Logger;
}): Promise<void> {
  const changed = movedLeadIds(results);
  if (changed.length) await publishLeadEvents({ em, publisher, type: 'lead.updated', leadIds: changed, log });
}

/**
 * One `leads.rescored` `{count}` per account for a committed batch of a rules rescore or the decay
 * refresh in which scores moved: the open admins reload what they show once, instead of reading
 * one `lead.updated` per lead (a rescore of 100,000 leads would be 100,000 events, and publishing
 * them doubled its time). Never throws.
 */
export async function publishLeadsRescored({ em, publisher, results, log }: {
  em: EntityManager; publisher: LivePublisher; results: readonly ScoreChange[]; log: Logger;
}): Promise<void> {
  const changed = movedLeadIds(results);
  if (!changed.length) return;
  try {
    const owners = await db(em).selectFrom('leads').select(['user_id', (eb) => eb.fn.countAll<string>().as('n')]).where('lead_id', 'in', changed).groupBy('user_id').execute();
    for (const o of owners) await publisher.publish(o.user_id, [{ type: 'leads.rescored', data: { count: Number(o.n) } }]);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not read leads for live events');
  }
}

/** Publishes `reminder.due` for a reminder that fell due (after the commit). Never throws. */
export async function publishReminderDue({ em, publisher, reminderId, log }: { em: EntityManager; publisher: LivePublisher; reminderId: string; log: Logger }): Promise<void> {
  try {
    const r = await db(em)
      .selectFrom('follow_up_reminders as r')
      .innerJoin('leads as l', 'l.lead_id', 'r.lead_id')
      .select(['r.reminder_id', 'r.user_id', 'r.lead_id', 'l.name as lead_name', 'r.reminder_message', 'r.reminder_date', 'r.status'])
      .where('r.reminder_id', '=', reminderId)
      .executeTakeFirst();
    if (r?.status !== 'due') return;
    await publisher.publish(r.user_id, [{
      type: 'reminder.due',
      data: { reminderId, leadId: r.lead_id, leadName: r.lead_name, reminderMessage: r.reminder_message, reminderDate: pgTimeToIsoStrict(r.reminder_date) },
    }]);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not read the reminder for its live event');
  }
}
