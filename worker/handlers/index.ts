import type { JobKey } from '#core/jobs/jobs.ts';
import type { HandlerTable } from '../handler.ts';
import { fireReminderHandler } from './fire-reminder.handler.ts';
import { refreshScoresHandler } from './refresh-scores.handler.ts';
import { rescoreAllHandler } from './rescore-all.handler.ts';
import { scoreLeadHandler } from './score-lead.handler.ts';
import { sendDigestsHandler } from './send-digest.handler.ts';
import { sendNotificationHandler } from './send-notification.handler.ts';
import { stitchVisitorHandler } from './stitch-visitor.handler.ts';
import { sweepHandler } from './sweep.handler.ts';

/** Every job in JOBS → its handler (the type makes a missing or extra entry an error). */
export const HANDLERS = {
  stitchVisitor: stitchVisitorHandler,
  scoreLead: scoreLeadHandler,
  rescoreUser: rescoreAllHandler,
  sweep: sweepHandler,
  refreshScores: refreshScoresHandler,
  sendNotification: sendNotificationHandler,
  sendDigests: sendDigestsHandler,
  fireReminder: fireReminderHandler,
} satisfies HandlerTable;

/** Repeating jobs and their period in ms (registered under the job's name). */
export const SCHEDULES: Partial<Record<JobKey, number>> = {
  sweep: 30_000,
  refreshScores: 60 * 60_000,
  sendDigests: 15 * 60_000,
};
