import { z } from 'zod';
import { ZVisitorId } from '../events/ingest-text.ts';
import { defineJob } from './define-job.ts';

/** Debounce of `leads.score`: a burst of events within it collapses into one scoring job. */
export const RESCORE_DEBOUNCE_MS = 1000;

/**
 * Every job, with everything needed to send it: queue, name, payload schema, deterministic id
 * and options. api and worker meet only here and in Postgres. Each key has exactly one handler in
 * `worker/handlers/index.ts` (checked by the type of that table).
 *
 * Ids use `-` as separator: BullMQ 6 refuses `:` in custom ids. Every part is a uuid, a number or
 * a visitor id (`[A-Za-z0-9_-]`), so an id never contains one.
 */
export const JOBS = {
  /**
   * Recompute one lead's score (claims `leads.needs_rescore`). Delayed by the debounce; every
   * wake-up meanwhile — or while it runs — lands on the same id. Removed when finished, so the
   * next burst can reuse the id.
   */
  scoreLead: defineJob({
    queue: 'leads',
    name: 'leads.score',
    payload: z.object({ leadId: z.uuid() }),
    jobId: ({ leadId }) => `score-${leadId}`,
    options: { delay: RESCORE_DEBOUNCE_MS, removeOnComplete: true, removeOnFail: true },
  }),
  /**
   * Score an account's flagged leads in batches (`scoreFlaggedLeads`): woken by a change that
   * flags many leads at once — a deleted site flags every lead whose browsing went with it — where
   * one `leads.score` job per lead filled the queue ahead of other accounts' scoring (3,000 leads:
   * ~25 s, another account's inquiry scored after 8 s; batched: ~1 s). One job per account: a second wake-up while it is
   * waiting or running lands on the same id (the job looks again before it ends). Removed when
   * finished, so the next change can reuse the id; the flags stay the record (the sweeper covers a
   * job that failed for good).
   */
  scoreFlaggedLeads: defineJob({
    queue: 'leads',
    name: 'leads.score-flagged',
    payload: z.object({ userId: z.uuid() }),
    jobId: ({ userId }) => `score-flagged-${userId}`,
    options: { removeOnComplete: true, removeOnFail: true },
  }),
  /** Attach a visitor's anonymous events to its lead, in bounded batches. One pending job per visitor. */
  stitchVisitor: defineJob({
    queue: 'leads',
    name: 'leads.stitch',
    payload: z.object({ siteId: z.uuid(), visitorId: ZVisitorId }),
    jobId: ({ siteId, visitorId }) => `stitch-${siteId}-${visitorId}`,
    options: { removeOnComplete: true, removeOnFail: true },
  }),
  /**
   * Rescore all leads of a user after a rules change. A failed job is kept for inspection; the
   * sweeper replaces it (see `requeue`). Its own queue: on `leads`, a few realtors changing their
   * rules at once would hold every slot for minutes and stall `leads.score` and `leads.stitch`.
   */
  rescoreUser: defineJob({
    queue: 'rescore',
    name: 'leads.rescore-all',
    payload: z.object({ userId: z.uuid(), version: z.number().int() }),
    jobId: ({ userId, version }) => `rescore-${userId}-${version}`,
  }),
  /**
   * Send one email (`notifications` row), due at `dueAt` (epoch ms). The id names the row and its
   * due time, so a retry — a new due time — gets a new job even while the failing one is still
   * running, and the sweeper's wake-up for the same due time is a no-op. Postgres holds the retry
   * schedule (EMAIL_RETRY_SCHEDULE).
   */
  sendNotification: defineJob({
    queue: 'notifications',
    name: 'notifications.send',
    payload: z.object({ notificationId: z.uuid(), dueAt: z.number().int().nonnegative() }),
    jobId: ({ notificationId, dueAt }) => `notify-${notificationId}-${dueAt}`,
    retries: 'postgres',
    options: { removeOnComplete: true },
  }),
  /** Write the morning digest of every user whose local digest hour has come (scheduled, like the sweep). */
  sendDigests: defineJob({ queue: 'maintenance', name: 'maintenance.digests', payload: z.object({}) }),
  /**
   * Fire one follow-up reminder at its time (delayed job): `pending` → `due` and its `reminder.due`
   * event, claimed in Postgres so it fires once. The id carries the time the reminder is
   * scheduled for (`dueAt`, epoch ms) as well as its id: rescheduling (edit, snooze) writes a new
   * time and so gets a new job, where one id per reminder would be swallowed by the old delayed
   * job still holding it. The old job stays harmless: it runs at the old time, finds the reminder
   * not yet due (or no longer pending) and does nothing. Removed when finished, so the sweeper can
   * re-add the id if the reminder is still pending past its time.
   */
  fireReminder: defineJob({
    queue: 'reminders',
    name: 'reminders.fire',
    payload: z.object({ reminderId: z.uuid(), dueAt: z.number().int() }),
    jobId: ({ reminderId, dueAt }) => `reminder-${reminderId}-${dueAt}`,
    options: { removeOnComplete: true, removeOnFail: true },
  }),
  /**
   * Attempt one webhook delivery (`webhook_deliveries`), due at `dueAt` (epoch ms). The id names
   * the delivery and its due time: every wake-up for the same due time (the retry, the sweeper)
   * collapses into one job, while a retry, a deferral behind the breaker or a resend — each a
   * new due time — gets a new job even while the current one is still running. Postgres holds
   * the retry schedule (`retries: 'postgres'`: one BullMQ attempt; a failure is a new wake-up).
   */
  deliverWebhook: defineJob({
    queue: 'webhooks',
    name: 'webhooks.deliver',
    payload: z.object({ deliveryId: z.uuid(), dueAt: z.number().int().nonnegative() }),
    jobId: ({ deliveryId, dueAt }) => `deliver-${deliveryId}-${dueAt}`,
    retries: 'postgres',
    options: { removeOnComplete: true },
  }),
  /**
   * Erase a deleted account's rows (`users.deleted_at` set by DELETE /v1/account), in chunks of
   * short transactions; resumable (each step deletes what is left). On the `rescore` queue: like a
   * rules rescore it may run for minutes and must not hold the slots of live scoring or the
   * scheduled maintenance. Removed when finished: the purge sweep re-adds the id while the user row
   * is still there (a lost wake-up, a job that failed for good, a purge waiting for its email).
   */
  purgeAccount: defineJob({
    queue: 'rescore',
    name: 'accounts.purge',
    payload: z.object({ userId: z.uuid() }),
    jobId: ({ userId }) => `purge-${userId}`,
    options: { removeOnComplete: true, removeOnFail: true },
  }),
  /** Wake `accounts.purge` for every deleted account still in Postgres (scheduled). */
  sweepAccountPurges: defineJob({ queue: 'maintenance', name: 'accounts.purge-sweep', payload: z.object({}) }),
  /** Re-enqueue outbox rows that are due and have no live job (scheduled; each run is new work). */
  sweep: defineJob({ queue: 'maintenance', name: 'maintenance.sweep', payload: z.object({}) }),
  /** Refresh stored scores as they decay (scheduled). */
  refreshScores: defineJob({ queue: 'maintenance', name: 'maintenance.refresh-scores', payload: z.object({}) }),
  /** Count newly received analytics events into the daily rollups and upsert their listings (scheduled; safe to overlap). */
  rollupAnalytics: defineJob({ queue: 'maintenance', name: 'analytics.rollup', payload: z.object({}) }),
  /** Create `lead_analytics`' month partitions ahead (scheduled; core/events/analytics-partitions.ts). */
  analyticsPartitions: defineJob({ queue: 'maintenance', name: 'maintenance.partitions', payload: z.object({}) }),
  /** Apply each site's event retention: drop whole old partitions, delete older rows per site, purge replay keys (scheduled). */
  eventRetention: defineJob({ queue: 'maintenance', name: 'maintenance.retention', payload: z.object({}) }),
};

export type Jobs = typeof JOBS;
export type JobKey = keyof Jobs;
/** A job's payload as its handler receives it (parsed). */
export type JobPayload<K extends JobKey> = z.output<Jobs[K]['payload']>;
/** Jobs with a deterministic id: the ones a wake-up can name. */
export type KeyedJobKey = { [K in JobKey]: Jobs[K]['jobId'] extends undefined ? never : K }[JobKey];

/** The job whose BullMQ name is `name` (a job as it arrives at a worker). */
export function findJobKey(name: string): JobKey | undefined {
  return (Object.keys(JOBS) as JobKey[]).find((k) => JOBS[k].name === name);
}
