import { findUnstitchedVisitors } from '#core/events/find-unstitched-visitors.ts';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { findDueNotifications } from '#core/notifications/claim-notification.ts';
import { createNotificationWakeup } from '#core/notifications/record-notification.ts';
import { findLeadsAwaitingRescore } from '#core/leads/find-leads-awaiting-rescore.ts';
import { findOverduePendingReminders } from '#core/reminders/fire-reminder.ts';
import { createReminderWakeup } from '#core/reminders/reminder-wakeup.ts';
import { findUnfinishedRescores } from '#core/scoring/manage-scoring-rules.ts';
import { findDueWebhookDeliveries } from '#core/webhooks/find-due-webhook-deliveries.ts';
import { toDeliveryWakeups } from '#core/webhooks/record-webhook-event.ts';
import { encryptLegacyWebhookSecrets } from '#core/webhooks/webhook-secret-at-rest.ts';
import { defineHandler } from '../handler.ts';

/** A flag older than this has outlived any live scoring job (1 s debounce + run time). */
export const SWEEP_RESCORE_AFTER_MS = 5_000;
/** An unfinished rules rescore older than this may have lost its job. */
export const SWEEP_RESCORE_ALL_AFTER_MS = 60_000;
/** A pending reminder this long past its time has lost its job (a live one fires it within milliseconds). */
export const SWEEP_REMINDER_AFTER_MS = 5_000;
/** Rows per kind per sweep; the next sweep (30 s later) continues. */
export const SWEEP_LIMIT = 500;

/**
 * `maintenance.sweep` (every 30 s): Postgres says what is due, Redis only schedules. Re-sends the
 * wake-ups of committed work whose job may be lost, with the same deterministic job ids (a no-op
 * while the job exists):
 * - `leads.score` for leads flagged `needs_rescore` for more than 5 s;
 * - `leads.stitch` for visitors linked to a lead whose events are not stitched yet;
 * - `leads.rescore-all` for rules versions whose rescore has not finished after a minute — also
 *   when its job failed for good (the failed job, kept for inspection, is replaced);
 * - `reminders.fire` for pending reminders more than 5 s past their time (Redis flushed, worker
 *   down, a wake-up lost after its commit). Same id as the original job; the claim in Postgres
 *   makes a reminder fire once even if both run;
 * - `webhooks.deliver` for pending webhook deliveries that are due (a lost wake-up, a lease
 *   that expired because the worker died); the job id carries the due time, so a delivery whose
 *   job is still waiting is not doubled;
 * - `notifications.send` for pending emails that are due (quiet hours over, a retry time, a lapsed
 *   lease), with the id of the original wake-up, so a live job makes it a no-op.
 *
 * It also encrypts webhook secrets still stored in plaintext (written before secrets were
 * encrypted at rest, or by an older API process during a rolling deploy), 500 endpoints a sweep.
 */
export const sweepHandler = defineHandler('sweep', async (ctx) => {
  const now = ctx.now();
  const leadIds = await findLeadsAwaitingRescore(ctx.em, { now, olderThanMs: SWEEP_RESCORE_AFTER_MS, limit: SWEEP_LIMIT });
  const visitors = await findUnstitchedVisitors(ctx.em, SWEEP_LIMIT);
  const rescores = await findUnfinishedRescores(ctx.em, { now, olderThanMs: SWEEP_RESCORE_ALL_AFTER_MS, limit: SWEEP_LIMIT });
  const reminders = await findOverduePendingReminders(ctx.em, { now, graceMs: SWEEP_REMINDER_AFTER_MS, limit: SWEEP_LIMIT });
  const deliveries = await findDueWebhookDeliveries({ em: ctx.em, now, limit: SWEEP_LIMIT });
  // Emails due (their time came, a retry, a lapsed lease) whose job may be lost: same job id as the original wake-up.
  const notifications = await findDueNotifications(ctx.em, { now, limit: SWEEP_LIMIT });
  const webhookSecretsEncrypted = await encryptLegacyWebhookSecrets({ em: ctx.em, key: ctx.config.DATA_ENCRYPTION_KEY, previousKeys: ctx.config.DATA_ENCRYPTION_PREVIOUS_KEYS, limit: SWEEP_LIMIT });
  await enqueueAfterCommit(
    ctx.queues,
    [
      ...leadIds.map((leadId) => createWakeup('scoreLead', { leadId })),
      ...visitors.map((v) => createWakeup('stitchVisitor', { siteId: v.siteId, visitorId: v.visitorId })),
      ...rescores.map((r) => createWakeup('rescoreUser', { userId: r.userId, version: r.version })),
      ...reminders.map((r) => createReminderWakeup(r.reminderId, r.reminderDate)),
      ...toDeliveryWakeups(deliveries.map((d) => ({ deliveryId: d.deliveryId, at: d.dueAt }))),
      ...notifications.map((n) => createNotificationWakeup(n.notificationId, n.dueAt)),
    ],
    ctx.log,
    { replaceFinished: true },
  );

  const result = {
    rescores: leadIds.length, stitches: visitors.length, rescoreAll: rescores.length, reminders: reminders.length,
    webhookDeliveries: deliveries.length, notifications: notifications.length, webhookSecretsEncrypted,
  };
  if (Object.values(result).some((n) => n > 0)) ctx.log.info(result, 'sweep re-enqueued work');
  return result;
});
