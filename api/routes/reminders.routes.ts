import {
  ZCreateReminderBody, ZListRemindersQuery, ZReminderJson, ZReminderSettingsBody, ZReminderSettingsJson, ZReminderSummaryJson,
  ZSnoozeReminderBody, ZUnsnoozeReminderBody, ZUpdateReminderBody,
} from '#core/reminders/reminder-schemas.ts';
import { getReminderSettings, updateReminderSettings } from '#core/reminders/reminder-settings.ts';
import {
  completeReminder, createReminder, deleteReminder, dismissReminder, listReminders, reopenReminder, snoozeReminder, summariseReminders, unsnoozeReminder, updateReminder,
} from '#core/reminders/reminders.ts';
import type { AppDeps } from '../deps.ts';
import { listOf, type RouteRegistry } from '../route.ts';

/** Follow-up reminders (docs/reminders.md). */
export function mountReminderRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const notFound = { 404: { description: 'Unknown reminder' } };
  const closed = { 409: { description: 'The reminder is closed (done or dismissed)' } };
  routes.add({
    method: 'post', path: '/v1/leads/:id/reminders', tag: 'reminders', auth: 'realtor', summary: 'Create a reminder for a lead',
    body: ZCreateReminderBody,
    responses: { 201: { description: 'Created (pending until its time)', schema: ZReminderJson }, 404: { description: 'Unknown lead' } },
    handler: async (ctx, { params, body, tenant, now }) => {
      const { reminder } = await createReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, leadId: params.id, input: body, now });
      ctx.status = 201;
      ctx.body = reminder;
    },
  });
  routes.add({
    method: 'get', path: '/v1/reminders', tag: 'reminders', auth: 'realtor',
    summary: 'List reminders: due (fired, not closed), overdue (due for over an hour), upcoming (pending) or done',
    query: ZListRemindersQuery,
    responses: { 200: { description: 'Reminders', schema: listOf(ZReminderJson) }, 404: { description: 'Unknown lead (`lead`, or its old name `leadId`)' } },
    handler: async (ctx, { query, tenant, now }) => {
      ctx.body = await listReminders({ em: ctx.state.em, tenant, query, now });
    },
  });
  routes.add({
    method: 'get', path: '/v1/reminders/summary', tag: 'reminders', auth: 'realtor', summary: 'Count due and overdue reminders',
    responses: { 200: { description: 'Counts', schema: ZReminderSummaryJson } },
    handler: async (ctx, { tenant, now }) => {
      ctx.body = await summariseReminders({ em: ctx.state.em, tenant, now });
    },
  });
  routes.add({
    method: 'patch', path: '/v1/reminders/:id', tag: 'reminders', auth: 'realtor', summary: 'Change a reminder’s message, or reschedule it',
    body: ZUpdateReminderBody,
    responses: {
      200: { description: 'Updated. A new date in the future makes it pending (it fires then); a date not in the future keeps one that has fired `due` with its `firedAt` (no second alert), and makes one that never fired due at once', schema: ZReminderJson },
      ...notFound,
      409: { description: '`conflict`: reopening a closed automatic reminder while the lead has another open one of the same kind' },
    },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.body = (await updateReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, reminderId: params.id, input: body, now })).reminder;
    },
  });
  routes.add({
    method: 'post', path: '/v1/reminders/:id/complete', tag: 'reminders', auth: 'realtor', summary: 'Mark a reminder done',
    responses: { 200: { description: 'Done', schema: ZReminderJson }, ...notFound, ...closed },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = (await completeReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, reminderId: params.id, now })).reminder;
    },
  });
  routes.add({
    method: 'post', path: '/v1/reminders/:id/snooze', tag: 'reminders', auth: 'realtor',
    summary: 'Snooze a reminder: {for: "15m" | "1h" | "tomorrow"} (9:00 in your time zone) or {until: ISO time}',
    body: ZSnoozeReminderBody,
    responses: { 200: { description: 'Pending again at the new time', schema: ZReminderJson }, ...notFound, ...closed },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.body = (await snoozeReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, reminderId: params.id, input: body, now })).reminder;
    },
  });
  routes.add({
    method: 'post', path: '/v1/reminders/:id/unsnooze', tag: 'reminders', auth: 'realtor',
    summary: 'Undo a snooze: {until} (the time the snooze set) — the reminder back exactly as the snooze found it (due with its time and firedAt, no second reminder.due; or pending at its time); recorded on the lead’s timeline',
    body: ZUnsnoozeReminderBody,
    responses: {
      200: { description: 'As it was before the snooze', schema: ZReminderJson }, ...notFound,
      409: { description: 'Changed since the snooze (snoozed again, moved, completed, dismissed, fallen due, or undone already): nothing changed' },
    },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.body = (await unsnoozeReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, reminderId: params.id, input: body, now })).reminder;
    },
  });
  routes.add({
    method: 'post', path: '/v1/reminders/:id/dismiss', tag: 'reminders', auth: 'realtor', summary: 'Dismiss a reminder',
    responses: { 200: { description: 'Dismissed', schema: ZReminderJson }, ...notFound, ...closed },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = (await dismissReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, reminderId: params.id, now })).reminder;
    },
  });
  routes.add({
    method: 'post', path: '/v1/reminders/:id/reopen', tag: 'reminders', auth: 'realtor',
    summary: 'Undo a dismissal or a completion: open the reminder again at its time (due if it had fired and its time has passed, else pending); recorded on the lead’s timeline',
    responses: { 200: { description: 'Open again (an open reminder: unchanged)', schema: ZReminderJson }, ...notFound, 409: { description: 'It is automatic and its rule has written another open reminder for the lead' } },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = (await reopenReminder({ em: ctx.state.em, queues: deps.queues, log: ctx.state.log, tenant, reminderId: params.id, now })).reminder;
    },
  });
  routes.add({
    method: 'delete', path: '/v1/reminders/:id', tag: 'reminders', auth: 'realtor', summary: 'Delete a reminder',
    responses: { 204: { description: 'Deleted' }, ...notFound },
    handler: async (ctx, { params, tenant }) => {
      await deleteReminder({ em: ctx.state.em, tenant, reminderId: params.id });
      ctx.status = 204;
    },
  });
  routes.add({
    method: 'get', path: '/v1/reminder-settings', tag: 'reminders', auth: 'realtor', summary: 'Read the automatic-reminder rules',
    responses: { 200: { description: 'Settings', schema: ZReminderSettingsJson } },
    handler: async (ctx, { tenant }) => {
      ctx.body = await getReminderSettings({ em: ctx.state.em, tenant });
    },
  });
  routes.add({
    method: 'put', path: '/v1/reminder-settings', tag: 'reminders', auth: 'realtor', summary: 'Replace the automatic-reminder rules',
    body: ZReminderSettingsBody,
    responses: { 200: { description: 'Saved', schema: ZReminderSettingsJson } },
    handler: async (ctx, { body, tenant, now }) => {
      ctx.body = await updateReminderSettings({ em: ctx.state.em, tenant, input: body, now });
    },
  });
}
