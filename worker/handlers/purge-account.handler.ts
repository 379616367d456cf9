import { ACCOUNT_PURGE_SITE_CACHE_WAIT_MS, findPendingAccountPurges, purgeDeletedAccount } from '#core/accounts/account-deletion-purge.ts';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { defineHandler } from '../handler.ts';

/** How long one purge run waits for the deletion notice to go out before it leaves the last step to the sweep. */
export const PURGE_EMAIL_POLL_MS = 10_000;
/**
 * Only a run this soon after the deletion waits inside the job (for the notice, and the sites' cache
 * window): the run the deletion woke. A later run — the sweep's, every minute, for an account whose
 * notice cannot go out (SMTP down) — returns at once, so it never holds a `rescore` slot (two per
 * worker, shared with rules rescores) for the wait.
 */
export const PURGE_IN_JOB_WAIT_WINDOW_MS = 30_000;
const PURGE_EMAIL_POLL_INTERVAL_MS = 500;
/** Deleted accounts woken per purge sweep; the next sweep continues. */
export const PURGE_SWEEP_LIMIT = 500;

/**
 * `accounts.purge` {userId}: erases a deleted account's rows in chunks (core/accounts/
 * account-deletion-purge.ts). Safe to run twice and to resume: a killed run leaves committed chunks
 * behind and the next run deletes what is left. A purge whose user row waits for the
 * `account_deleted` email ends here; the purge sweep wakes it again.
 */
export function createPurgeAccountHandler(opts: {
  /** Rows per chunk for events and visitors. Default ACCOUNT_PURGE_CHUNK_ROWS (5,000). */
  chunkRows?: number;
  /** Leads per chunk. Default ACCOUNT_PURGE_LEAD_CHUNK (500). */
  leadChunk?: number;
  /** How long a run waits for the deletion notice before leaving the user row to the sweep. Default PURGE_EMAIL_POLL_MS (10 s). */
  emailWaitMs?: number;
} = {}) {
  return defineHandler('purgeAccount', async (ctx, { userId }) => {
    const started = performance.now();
    const run = () => purgeDeletedAccount({
      em: ctx.em, userId, now: ctx.now, chunkRows: opts.chunkRows, leadChunk: opts.leadChunk,
      onChunk: async (p) => {
        // Visible in BullMQ tooling; Postgres (what is left) is the real record.
        await ctx.job.updateProgress({ events: p.events, visitors: p.visitors, leads: p.leads }).catch(() => undefined);
      },
    });
    let result = await run();
    // The notice usually goes out within seconds: the run the deletion woke waits for it here a
    // while rather than leave the last step to the next sweep (a minute). Each retry finds nothing
    // left to erase (one query). The sites' cache window after the deletion
    // (ACCOUNT_PURGE_SITE_CACHE_WAIT_MS, seconds) is waited out here too. Only within
    // PURGE_IN_JOB_WAIT_WINDOW_MS of the deletion: a later run left waiting ends now and falls to the sweep.
    const inJobWaitMs = Math.max(0, PURGE_IN_JOB_WAIT_WINDOW_MS - (result.sinceDeletionMs ?? Infinity));
    const waitUntil = performance.now() + Math.min(opts.emailWaitMs ?? PURGE_EMAIL_POLL_MS, inJobWaitMs);
    const cachesWaitUntil = performance.now() + Math.min(ACCOUNT_PURGE_SITE_CACHE_WAIT_MS, inJobWaitMs);
    while ((result.waitingForSiteCaches && performance.now() < cachesWaitUntil) || (result.waitingForEmail && performance.now() < waitUntil)) {
      await new Promise((resolve) => setTimeout(resolve, PURGE_EMAIL_POLL_INTERVAL_MS));
      result = await run();
    }
    ctx.log.info({ userId, ...result, durationMs: Math.round(performance.now() - started) }, result.done ? 'account purged' : 'account purge paused');
    return result;
  });
}

export const purgeAccountHandler = createPurgeAccountHandler();

/**
 * `accounts.purge-sweep` (scheduled): Postgres says which accounts are deleted but not yet erased
 * (`users.deleted_at`); each gets its `accounts.purge` wake-up again, with the same job id (a no-op
 * while its job is live). Covers a wake-up lost after the deletion committed, a job that failed
 * for good, and a purge that waited for its email.
 */
export const sweepAccountPurgesHandler = defineHandler('sweepAccountPurges', async (ctx) => {
  const userIds = await findPendingAccountPurges(ctx.em, { limit: PURGE_SWEEP_LIMIT });
  await enqueueAfterCommit(ctx.queues, userIds.map((userId) => createWakeup('purgeAccount', { userId })), ctx.log, { replaceFinished: true });
  if (userIds.length) ctx.log.info({ purges: userIds.length }, 'purge sweep woke deleted accounts');
  return { purges: userIds.length };
});
