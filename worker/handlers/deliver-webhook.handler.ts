import { defineHandler } from '../handler.ts';

/**
 * `webhooks.deliver`: a wake-up for the process's webhook dispatcher (deliver-webhook-dispatcher.ts),
 * which claims every due delivery it has room for — the named one among them — in batches,
 * sends them and records each attempt. Postgres owns the outcome and the retry schedule; the
 * retries, deliveries released by a closing breaker and owner alerts are woken by the dispatcher.
 * The job finishes when a claim that started after it has finished.
 */
export const deliverWebhookHandler = defineHandler('deliverWebhook', async (ctx) => {
  if (!ctx.webhookDispatcher) throw new Error('webhooks.deliver needs the worker runtime\'s webhook dispatcher');
  await ctx.webhookDispatcher.wake();
  return { woken: true };
});
