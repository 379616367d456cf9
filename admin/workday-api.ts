// The realtor's working day in the API client: Today and band counts, plus logging an activity and
// bulk actions (through activitiesApi and pipelineApi) announced to the pages that show their
// effects (Today, the reminders count). Types come from core with `import type`.
import type { z } from 'zod';
import type { ZLeadCountsJson } from '../core/leads/count-leads-by-band.ts';
import type { ZTodayJson } from '../core/today/today-schemas.ts';
import { type Activity, activitiesApi, api, type LogActivityInput, type RequestOptions } from './api-client.ts';
import { pipelineApi, type Stage } from './pipeline-api.ts';
import { REMINDERS_CHANGED_EVENT } from './reminders-api.ts';

export type Today = z.output<typeof ZTodayJson>;
export type LeadCounts = z.output<typeof ZLeadCountsJson>;

export type { Activity, LogActivityInput };
export type PipelineStage = Stage;

export type BulkLeadAction =
  | { action: 'stage'; stageId: string }
  | { action: 'reminder'; reminderDate: string; reminderMessage: string }
  | { action: 'delete' };

/** Fired after an activity is logged, so lists showing "last contacted" refresh. */
export const ACTIVITY_LOGGED_EVENT = 'porchlight:activity-logged';

export const workdayApi = {
  today: (opts?: RequestOptions) => api.get<Today>('/v1/today', opts),
  leadCounts: (opts?: RequestOptions) => api.get<LeadCounts>('/v1/lead-counts', opts),
  logActivity: async (leadId: string, input: LogActivityInput) => {
    const activity = await activitiesApi.log(leadId, input);
    window.dispatchEvent(new Event(ACTIVITY_LOGGED_EVENT));
    // Logging the first contact may complete the "call within the hour" reminder.
    window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
    return activity;
  },
  stages: (opts?: RequestOptions) => pipelineApi.stages(opts),
  bulk: async (leadIds: string[], action: BulkLeadAction) => {
    const answer = await pipelineApi.bulk({ leadIds, ...action });
    if (action.action !== 'stage') window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
    return answer;
  },
  /** A plain link that downloads the chosen leads as CSV (the session cookie goes with it). */
  exportSelectionHref: (leadIds: string[]) => `/v1/leads/export.csv?ids=${leadIds.map(encodeURIComponent).join(',')}`,
};
