// After an unanswered call (no answer, a voicemail left), the notice offers a follow-up: logging the
// attempt answers the automatic "Call within 1 hour" and "Inquiry unanswered" reminders (it is the
// first contact attempt, docs/reminders.md), so without one the lead would read "Next follow-up:
// none set" though nobody has spoken to them yet.
import { HOUR_MS } from '#core/shared/time.ts';
import { errorMessage } from '../api-client.ts';
import { formatDateTime } from '../format.ts';
import { remindersApi } from '../reminders-api.ts';
import type { ToastAction } from './toast.tsx';
import { showToast } from './toast.tsx';

/** Quick-log outcomes that reached nobody: their notice offers "Remind me to call back". */
export const UNANSWERED_CALL_OUTCOMES: ReadonlySet<string> = new Set(['no_answer', 'left_voicemail']);

/** How long after an unanswered call the call-back reminder falls due. */
export const CALL_BACK_AFTER_MS = 2 * HOUR_MS;

/** The notice's action for a call logged with `outcome`, or undefined when it reached someone. */
export function callBackAction(leadId: string, leadName: string, outcome: string | null | undefined): ToastAction | undefined {
  if (!outcome || !UNANSWERED_CALL_OUTCOMES.has(outcome)) return undefined;
  return {
    label: 'Remind me to call back',
    run: async () => {
      const at = new Date(Date.now() + CALL_BACK_AFTER_MS).toISOString();
      try {
        await remindersApi.create(leadId, { reminderDate: at, reminderMessage: `Call ${leadName} back (no answer earlier)` });
        showToast(`Reminder set for ${formatDateTime(at)}.`);
      } catch (err) {
        showToast(`Could not set the reminder: ${errorMessage(err)}`, 'error');
      }
    },
  };
}
