// The API process: listen, and shut down gracefully on SIGTERM/SIGINT.
import type { AddressInfo } from 'node:net';
import { loadConfigOrExit } from '#core/config.ts';
import { initOrm } from '#core/db/orm.ts';
import { createQueues } from '#core/jobs/queues.ts';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { createApp } from './app.ts';

const SHUTDOWN_TIMEOUT_MS = 10_000;

const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
const orm = await initOrm(config.DATABASE_URL);
const redis = createRedis(config.REDIS_URL, { name: 'porchlight-api' });
redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
const queues = createQueues(redis, config.QUEUE_PREFIX);
const app = createApp({ config, orm, redis, queues, logger });

const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, url: `${config.PUBLIC_URL}/app/` }, 'api listening');
});
server.keepAliveTimeout = 65_000;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  const force = setTimeout(() => {
    logger.error('shutdown timed out; exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  // Keep-alive sockets become idle as their requests finish: close them as soon as they do.
  const reaper = setInterval(() => server.closeIdleConnections(), 100);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearInterval(reaper);
  await queues.close();
  await redis.quit().catch(() => undefined);
  await orm.close(true);
  clearTimeout(force);
  logger.info('stopped');
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
