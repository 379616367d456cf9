import type { QueueName } from '#core/jobs/queues.ts';
import type { JobKey } from '#core/jobs/jobs.ts';
import type { HandlerTable } from '../handler.ts';
import { ROLLUP_EVERY_MS } from '#core/analytics/rollup-events.ts';
import { SMTP_MAX_CONNECTIONS } from '#core/email/mailer.ts';
import { analyticsPartitionsHandler, eventRetentionHandler } from './analytics-maintenance.handler.ts';
import { fireReminderHandler } from './fire-reminder.handler.ts';
import { purgeAccountHandler, sweepAccountPurgesHandler } from './purge-account.handler.ts';
import { deliverWebhookHandler } from './deliver-webhook.handler.ts';
import { refreshScoresHandler } from './refresh-scores.handler.ts';
import { rollupAnalyticsHandler } from './rollup-analytics.handler.ts';
import { rescoreAllHandler } from './rescore-all.handler.ts';
import { scoreFlaggedLeadsHandler } from './score-flagged-leads.handler.ts';
import { scoreLeadHandler } from './score-lead.handler.ts';
import { sendDigestsHandler } from './send-digest.handler.ts';
import { sendNotificationHandler } from './send-notification.handler.ts';
import { stitchVisitorHandler } from './stitch-visitor.handler.ts';
import { sweepHandler } from './sweep.handler.ts';
import { HOUR_MS, MINUTE_MS } from '#core/shared/time.ts';

/** Every job in JOBS → its handler (the type makes a missing or extra entry an error). */
export const HANDLERS = {
  stitchVisitor: stitchVisitorHandler,
  scoreLead: scoreLeadHandler,
  scoreFlaggedLeads: scoreFlaggedLeadsHandler,
  rescoreUser: rescoreAllHandler,
  sweep: sweepHandler,
  deliverWebhook: deliverWebhookHandler,
  refreshScores: refreshScoresHandler,
  sendNotification: sendNotificationHandler,
  sendDigests: sendDigestsHandler,
  fireReminder: fireReminderHandler,
  rollupAnalytics: rollupAnalyticsHandler,
  analyticsPartitions: analyticsPartitionsHandler,
  eventRetention: eventRetentionHandler,
  purgeAccount: purgeAccountHandler,
  sweepAccountPurges: sweepAccountPurgesHandler,
} satisfies HandlerTable;

/**
 * Jobs one worker process runs at once per queue (default 4). `webhooks.deliver` jobs are short
 * wake-ups that wait for the process's webhook dispatcher to claim (deliver-webhook-dispatcher.ts
 * bounds the sends itself: 512 per process, 32 per endpoint), so that queue runs wider. Rules
 * rescores each keep RESCORE_CONCURRENCY batches in flight (a connection each) and keep Postgres
 * busy: two at once per process, the next waits. `notifications.send` runs no more sends than the
 * mailer has pooled connections: the mailer's deadline (SMTP_SEND_DEADLINE_MS, shorter than the
 * row's claim) starts when the message is handed over, so a send must never wait for a connection.
 */
export const QUEUE_CONCURRENCY: Partial<Record<QueueName, number>> = { webhooks: 16, rescore: 2, notifications: SMTP_MAX_CONNECTIONS };

/** Repeating jobs and their period in ms (registered under the job's name). */
export const SCHEDULES: Partial<Record<JobKey, number>> = {
  sweep: 30_000,
  refreshScores: HOUR_MS,
  sendDigests: 15 * MINUTE_MS,
  rollupAnalytics: ROLLUP_EVERY_MS,
  analyticsPartitions: 6 * HOUR_MS,
  eventRetention: HOUR_MS,
  sweepAccountPurges: MINUTE_MS,
};
