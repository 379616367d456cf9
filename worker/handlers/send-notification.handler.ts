import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { cancelNotification, claimNotification, recordNotificationAttempt } from '#core/notifications/claim-notification.ts';
import { renderNotification } from '#core/notifications/render-notification.ts';
import { defineHandler } from '../handler.ts';

/**
 * `notifications.send`: claim the row (lease), render it from Postgres as it is now, send it,
 * log the attempt. A retryable failure (4xx, network) schedules the next attempt in Postgres
 * (EMAIL_RETRY_SCHEDULE) and wakes a new job for that time; a permanent one (5xx) fails the row.
 * Without SMTP_URL the row ends `not_sent` (reason `smtp_not_configured`), never `sent`.
 * Safe to run twice: a second run finds nothing to claim.
 */
export const sendNotificationHandler = defineHandler('sendNotification', async (ctx, { notificationId }) => {
  const schedule = ctx.config.EMAIL_RETRY_SCHEDULE;
  const claim = await claimNotification({ em: ctx.em, notificationId, now: ctx.now(), schedule });
  if (!claim) return { skipped: true };
  const log = ctx.log.child({ notificationId, kind: claim.kind, attempt: claim.attemptNumber });

  const rendered = await renderNotification({ em: ctx.em, claim, config: ctx.config, now: ctx.now() });
  if ('cancel' in rendered) {
    await cancelNotification({ em: ctx.em, claim, reason: rendered.cancel, now: ctx.now() });
    log.info({ reason: rendered.cancel }, 'notification cancelled');
    return { cancelled: rendered.cancel };
  }

  const started = performance.now();
  const result = await ctx.mailer.send(rendered.email);
  const outcome = await recordNotificationAttempt({ em: ctx.em, claim, result, durationMs: performance.now() - started, now: ctx.now(), schedule });
  await enqueueAfterCommit(ctx.queues, outcome.wakeups, log);
  // The mailer has already logged the message (or, in production, that it was dropped).
  if (result.notSent) log.info({ status: outcome.status, reason: result.notSent }, 'notification not sent: no mail server');
  else if (!result.ok) log.warn({ error: result.error, responseCode: result.responseCode, status: outcome.status, nextAttemptAt: outcome.nextAttemptAt }, 'notification not sent');
  return { status: outcome.status };
});
