import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishReminderDue } from '#core/live/live-events.ts';
import { fireReminder } from '#core/reminders/fire-reminder.ts';
import { defineHandler } from '../handler.ts';

/**
 * `reminders.fire` {reminderId, dueAt}: at the reminder's time, claims it (`pending` → `due`) and
 * writes its `reminder.due` webhook message and email alert in the same transaction, then wakes
 * their delivery. Safe to run twice, early or late: the claim in Postgres decides (see
 * `fireReminder`); `dueAt` only names the job.
 */
export const fireReminderHandler = defineHandler('fireReminder', async (ctx, { reminderId }) => {
  const { outcome, wakeups } = await fireReminder({ em: ctx.em, reminderId, now: ctx.now(), config: ctx.config });
  await enqueueAfterCommit(ctx.queues, wakeups, ctx.log);
  if (outcome === 'fired') {
    // After the commit, best-effort: the open admins' due count and notification.
    await publishReminderDue({ em: ctx.em, publisher: ctx.live, reminderId, log: ctx.log });
  }
  if (outcome !== 'skipped') ctx.log.info({ reminderId, outcome }, outcome === 'fired' ? 'reminder fell due' : 'reminder dismissed: the lead was contacted or moved on');
  return { outcome };
});
