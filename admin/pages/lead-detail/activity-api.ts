// Logging, editing and deleting activities from the admin, announcing each change so every view
// of the lead refreshes: the timeline (ACTIVITIES_CHANGED_EVENT) and the reminders (a contact may
// complete the "call within 1 hour" reminder: REMINDERS_CHANGED_EVENT).
import { type Activity, activitiesApi, type LogActivityInput, type UpdateActivityInput } from '../../api-client.ts';
import { REMINDERS_CHANGED_EVENT } from '../../reminders-api.ts';

/** Fired after an activity is logged, edited or deleted (detail: the lead id). */
export const ACTIVITIES_CHANGED_EVENT = 'porchlight:activities-changed';

/** Something recorded an activity (a status change): the timeline reloads. */
export function announceActivityChange(leadId: string): void {
  window.dispatchEvent(new CustomEvent(ACTIVITIES_CHANGED_EVENT, { detail: leadId }));
}

function announce(leadId: string): void {
  announceActivityChange(leadId);
  window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
}

export async function logLeadActivity(leadId: string, input: LogActivityInput): Promise<Activity> {
  const activity = await activitiesApi.log(leadId, input);
  announce(leadId);
  return activity;
}

export async function updateLeadActivity(leadId: string, activityId: string, input: UpdateActivityInput): Promise<Activity> {
  const activity = await activitiesApi.update(activityId, input);
  announce(leadId);
  return activity;
}

export async function deleteLeadActivity(leadId: string, activityId: string): Promise<void> {
  await activitiesApi.remove(activityId);
  announce(leadId);
}
