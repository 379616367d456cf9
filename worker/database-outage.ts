import { isDatabaseUnavailable } from '#core/errors.ts';
import type { Logger } from '#core/logger.ts';

/** While Postgres is unreachable, at most one summary line per this many ms. */
export const DATABASE_OUTAGE_REPORT_INTERVAL_MS = 60_000;

export interface DatabaseOutageLog {
  /** A job failed: true when it was for want of Postgres (logged here; the caller logs nothing more). */
  jobFailed(err: unknown, log: Logger, ms: number): boolean;
  /**
   * A job finished: Postgres answers, so an outage in progress is over — unless the job started
   * (`startedAt`, on the `now` clock) before the outage's first failure: such a job may have done
   * all its queries before Postgres went away, and its success says nothing about Postgres now.
   */
  jobDone(startedAt?: number): void;
}

/**
 * Keeps a Postgres outage from burying the worker's log: every scheduled job fails on every run
 * while Postgres is down (about two a second), and a warning with a stack trace each said nothing
 * the first one had not. The first failure is logged with its stack, later ones at debug, plus one
 * summary at most every `reportEveryMs` and one line when a job succeeds again.
 */
export function createDatabaseOutageLog(opts: { logger: Logger; now?: () => number; reportEveryMs?: number }): DatabaseOutageLog {
  const now = opts.now ?? (() => performance.now());
  const reportEveryMs = opts.reportEveryMs ?? DATABASE_OUTAGE_REPORT_INTERVAL_MS;
  let outage: { since: number; failedJobs: number; reportedAt: number } | undefined;
  const seconds = (ms: number) => Math.round(ms / 1000);
  return {
    jobFailed(err, log, ms) {
      if (!isDatabaseUnavailable(err)) return false;
      const t = now();
      if (!outage) {
        outage = { since: t, failedJobs: 1, reportedAt: t };
        log.warn({ ms, err }, 'job failed: Postgres unreachable (further failures are counted until it answers again)');
        return true;
      }
      outage.failedJobs++;
      log.debug({ ms, err: (err as Error).message }, 'job failed: Postgres unreachable');
      if (t - outage.reportedAt >= reportEveryMs) {
        outage.reportedAt = t;
        const downMs = t - outage.since;
        opts.logger.warn({ downMs: Math.round(downMs), failedJobs: outage.failedJobs }, `Postgres unreachable for ${seconds(downMs)} s; ${outage.failedJobs} jobs failed (retried when it is back)`);
      }
      return true;
    },
    jobDone(startedAt) {
      if (!outage || (startedAt !== undefined && startedAt < outage.since)) return;
      const downMs = now() - outage.since;
      opts.logger.info({ downMs: Math.round(downMs), failedJobs: outage.failedJobs }, `Postgres recovered after ${seconds(downMs)} s; ${outage.failedJobs} jobs failed while it was unreachable`);
      outage = undefined;
    },
  };
}
