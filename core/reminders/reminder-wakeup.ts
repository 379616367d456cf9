import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';

/**
 * The `reminders.fire` wake-up of a pending reminder, delayed until its time. The job id names
 * the reminder AND the time it is scheduled for (see `fireReminder` in core/jobs/jobs.ts), so a
 * rescheduled reminder gets a new job instead of being swallowed by its old id.
 */
export function createReminderWakeup(reminderId: string, reminderDate: Date | string): Wakeup {
  const at = typeof reminderDate === 'string' ? new Date(reminderDate) : reminderDate;
  return createWakeup('fireReminder', { reminderId, dueAt: at.getTime() }, { runAt: at });
}
