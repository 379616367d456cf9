// The worker process: hosts one BullMQ Worker per queue and the repeating schedules.
import { loadConfigOrExit } from '#core/config.ts';
import { initOrm } from '#core/db/orm.ts';
import { createQueues } from '#core/jobs/queues.ts';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { HANDLERS, SCHEDULES } from './handlers/index.ts';
import { startWorkerRuntime, type WorkerRuntime } from './runtime.ts';

const SHUTDOWN_TIMEOUT_MS = 30_000;

const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
const orm = await initOrm(config.DATABASE_URL);
const connection = createRedis(config.REDIS_URL, { name: 'porchlight-worker' });
connection.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
const queues = createQueues(connection, config.QUEUE_PREFIX);
let runtime: WorkerRuntime | undefined;
let stopping = false;
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
runtime = await startWorkerRuntime({ config, orm, connection, queues, logger, handlers: HANDLERS, schedules: SCHEDULES });
logger.info({ queues: runtime.workers.map((w) => w.name), handlers: Object.keys(HANDLERS) }, 'worker started');

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing active jobs');
  setTimeout(() => {
    logger.error('shutdown timed out; exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  await runtime?.close();
  await queues.close();
  await connection.quit().catch(() => undefined);
  await orm.close(true);
  logger.info('stopped');
}
