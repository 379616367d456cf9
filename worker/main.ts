// The worker process: hosts one BullMQ Worker per queue and the repeating schedules.
import { createRuntimeOrExit } from '#core/runtime.ts';
import { HANDLERS, QUEUE_CONCURRENCY, SCHEDULES } from './handlers/index.ts';
import { startWorkerRuntime, type WorkerRuntime } from './runtime.ts';

const base = await createRuntimeOrExit({ name: 'worker' });
const { config, logger, orm, queues } = base;
/** After SIGTERM active jobs get this long to finish (default 30 s); past it the process exits 1. */
const SHUTDOWN_TIMEOUT_MS = config.WORKER_SHUTDOWN_TIMEOUT_MS;
// BullMQ Workers get their own connection: it waits out a Redis outage, while `queues` fail fast.
const connection = base.createWorkerConnection();
let stopping = false;
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// A stop that arrives while the runtime is starting (npm start stops the worker when the API
// cannot start) waits for the start to finish: closing the connections under it would fail its
// pending Redis commands and end the process with a stack trace instead of a clean stop.
const starting: Promise<WorkerRuntime> = startWorkerRuntime({ config, orm, connection, queues, logger, handlers: HANDLERS, schedules: { ...SCHEDULES, sweep: config.SWEEP_INTERVAL_MS }, concurrency: QUEUE_CONCURRENCY });
const runtime = await starting;
logger.info({ queues: runtime.workers.map((w) => w.name), handlers: Object.keys(HANDLERS) }, 'worker started');

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing active jobs');
  setTimeout(() => {
    logger.error('shutdown timed out; exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  await (await starting.catch(() => undefined))?.close();
  await base.close(); // queues, Redis connections, ORM
  logger.info('stopped');
}
