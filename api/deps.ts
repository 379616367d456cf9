import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Config } from '#core/config.ts';
import type { Queues } from '#core/jobs/queues.ts';
import type { Logger } from '#core/logger.ts';

/** Everything the HTTP app needs; built by main.ts (or the test harness) and passed in. */
export interface AppDeps {
  config: Config;
  orm: MikroORM;
  redis: Redis;
  queues: Queues;
  logger: Logger;
  /** Injected clock (tests may freeze time). */
  now?: () => Date;
}
