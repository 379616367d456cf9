// The count of due reminders beside "Reminders" in the navigation (overdue ones make it red).
import { useDueReminders } from '../use-due-reminders.ts';

export function DueRemindersBadge() {
  const summary = useDueReminders();
  if (!summary?.due) return null;
  return (
    <span class={`nav-count${summary.overdue ? ' is-overdue' : ''}`} data-testid="due-count">
      {summary.due}
      <span class="visually-hidden"> due{summary.overdue ? `, ${summary.overdue} overdue` : ''}</span>
    </span>
  );
}
