// The reminders part of the API client (docs/reminders.md), beside api-client.ts: types from
// core's zod schemas (`import type` only), calls through the same `api` door.
import type { z } from 'zod';
import type {
  ReminderListStatus, ZCreateReminderBody, ZReminderJson, ZReminderSettingsJson, ZReminderSummaryJson, ZSnoozeReminderBody, ZUpdateReminderBody,
} from '../core/reminders/reminder-schemas.ts';
import { api, type Page, type RequestOptions } from './api-client.ts';

export type Reminder = z.output<typeof ZReminderJson>;
export type ReminderSummary = z.output<typeof ZReminderSummaryJson>;
export type ReminderSettings = z.output<typeof ZReminderSettingsJson>;
export type CreateReminderInput = z.input<typeof ZCreateReminderBody>;
export type SnoozeInput = z.input<typeof ZSnoozeReminderBody>;
export type UpdateReminderInput = z.input<typeof ZUpdateReminderBody>;
export type { ReminderListStatus };

export const REMINDERS_PAGE_SIZE = 20;

/** Fired after any change to a reminder, so the navigation count and other lists refresh. */
export const REMINDERS_CHANGED_EVENT = 'porchlight:reminders-changed';

function announce<T>(result: T): T {
  window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
  return result;
}

const path = (id: string) => `/v1/reminders/${encodeURIComponent(id)}`;

export const remindersApi = {
  list: (query: { status?: ReminderListStatus; lead?: string }, cursor: string | null, opts?: RequestOptions & { limit?: number }) =>
    api.get<Page<Reminder>>('/v1/reminders', { ...opts, query: { ...query, cursor: cursor ?? undefined, limit: opts?.limit ?? REMINDERS_PAGE_SIZE } }),
  summary: (opts?: RequestOptions) => api.get<ReminderSummary>('/v1/reminders/summary', opts),
  create: async (leadId: string, input: CreateReminderInput) =>
    announce(await api.post<Reminder>(`/v1/leads/${encodeURIComponent(leadId)}/reminders`, input)),
  complete: async (id: string) => announce(await api.post<Reminder>(`${path(id)}/complete`, {})),
  dismiss: async (id: string) => announce(await api.post<Reminder>(`${path(id)}/dismiss`, {})),
  /** Undoes a dismissal or a completion: open again at its time (due if it had fired, else pending). */
  reopen: async (id: string) => announce(await api.post<Reminder>(`${path(id)}/reopen`, {})),
  snooze: async (id: string, input: SnoozeInput) => announce(await api.post<Reminder>(`${path(id)}/snooze`, input)),
  /** Undoes a snooze (`until`: the time it set): back as it was, due with its old fire or pending at its old time; 409 when changed since. */
  unsnooze: async (id: string, until: string) => announce(await api.post<Reminder>(`${path(id)}/unsnooze`, { until })),
  /** PATCH: a future date makes it pending at that time; a past one keeps a fired reminder due (no second alert) and makes an unfired one due at once. */
  update: async (id: string, input: UpdateReminderInput) => announce(await api.patch<Reminder>(path(id), input)),
  remove: async (id: string) => announce(await api.delete(path(id))),
  settings: (opts?: RequestOptions) => api.get<ReminderSettings>('/v1/reminder-settings', opts),
  saveSettings: (input: ReminderSettings) => api.put<ReminderSettings>('/v1/reminder-settings', input),
};

/** A `<input type="datetime-local">` value for `date` in the browser's zone ("2026-12-01T09:30"). */
export function toLocalInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant a datetime-local value names in the browser's zone, or null when it is not one. */
export function fromLocalInputValue(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
