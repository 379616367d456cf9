import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { deliverWebhook } from '#core/webhooks/deliver-webhook.ts';
import { defineHandler } from '../handler.ts';

/**
 * `webhooks.deliver`: one attempt of one delivery (core/webhooks/deliver-webhook.ts). Postgres
 * owns the outcome and the retry schedule; this job only wakes the delivery at its due time and,
 * afterwards, sends the wake-ups the attempt produced (its retry, deliveries released by a
 * closing breaker, the owner's alert when the endpoint was disabled).
 */
export const deliverWebhookHandler = defineHandler('deliverWebhook', async (ctx, { deliveryId }) => {
  const result = await deliverWebhook({ em: ctx.em, config: ctx.config, deliveryId, now: ctx.now });
  await enqueueAfterCommit(ctx.queues, result.wakeups, ctx.log);
  if (result.outcome === 'endpoint_disabled') ctx.log.warn({ deliveryId }, 'webhook endpoint disabled');
  return { outcome: result.outcome, statusCode: result.statusCode, durationMs: result.durationMs };
});
