// The worker process: hosts one BullMQ Worker per queue and the repeating schedules.
import { createRuntimeOrExit } from '#core/runtime.ts';
import { HANDLERS, QUEUE_CONCURRENCY, SCHEDULES } from './handlers/index.ts';
import { startWorkerRuntime, type WorkerRuntime } from './runtime.ts';

const SHUTDOWN_TIMEOUT_MS = 30_000;

const base = await createRuntimeOrExit({ name: 'worker' });
const { config, logger, orm, queues } = base;
// BullMQ Workers get their own connection: it waits out a Redis outage, while `queues` fail fast.
const connection = base.createWorkerConnection();
let runtime: WorkerRuntime | undefined;
let stopping = false;
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
runtime = await startWorkerRuntime({ config, orm, connection, queues, logger, handlers: HANDLERS, schedules: { ...SCHEDULES, sweep: config.SWEEP_INTERVAL_MS }, concurrency: QUEUE_CONCURRENCY });
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
  await base.close(); // queues, Redis connections, ORM
  logger.info('stopped');
}
