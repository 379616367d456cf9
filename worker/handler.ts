import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Job } from 'bullmq';
import type { Config } from '#core/config.ts';
import type { Queues } from '#core/jobs/queues.ts';
import type { Logger } from '#core/logger.ts';

/** What every job handler receives. `em` is a fresh fork per job. */
export interface HandlerContext {
  em: EntityManager;
  orm: MikroORM;
  config: Config;
  queues: Queues;
  log: Logger;
  job: Job;
  now: () => Date;
}

export type JobHandler = (ctx: HandlerContext, payload: unknown) => Promise<unknown>;
