import { Redis } from 'ioredis';

/**
 * How long a request-path Redis command may take before it fails. Rate-limit scripts and job adds
 * answer in about a millisecond on a healthy Redis; this bounds the wait when Redis stops
 * answering without closing the socket (frozen, partitioned), where nothing else would. Not much
 * lower: the timer also counts event-loop stalls, and a reply that has arrived but is not read yet
 * when the timer fires still counts as a timeout; 1 s leaves room for a loaded machine's stalls.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
/** Longest pause between reconnect attempts, so a restarted Redis is back in use within about a second. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 1000;

/**
 * How long ioredis's `disconnect()` waits for the server to close the socket before destroying it.
 * Its default, 2 s, is a timer that keeps the process alive, and it is all paid when Redis is gone:
 * closeRedis disconnects a connection that is reconnecting (its socket already closed, so the
 * 'close' that would clear the timer came before it) or whose QUIT went unanswered (a frozen Redis
 * never closes its end). Nothing is left to wait for then, nor when ioredis drops a connection to
 * reconnect, or BullMQ a closing Worker's: the socket has sent its FIN by then.
 */
export const REDIS_DISCONNECT_TIMEOUT_MS = 100;

/** ioredis retryStrategy: 100 ms, 200 ms, … up to REDIS_RECONNECT_MAX_DELAY_MS (ioredis' own cap is 5 s). */
function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 100, REDIS_RECONNECT_MAX_DELAY_MS);
}

/**
 * An ioredis client for BullMQ Workers: `maxRetriesPerRequest: null` (BullMQ requires it for its
 * blocking commands), an offline queue and no command timeout, so a worker simply waits for Redis
 * to come back. Never use it where a caller is waiting (a request): use `createRequestRedis`.
 */
export function createRedis(url: string, opts: { name: string }): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: opts.name, lazyConnect: false, retryStrategy: reconnectDelayMs, disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS });
}

/**
 * An ioredis client for request paths (rate limiters, readiness, enqueueing after a commit) that
 * fails fast instead of waiting for Redis:
 * - `enableOfflineQueue: false`: a command sent while disconnected is rejected at once, instead of
 *   being queued until Redis returns (ioredis' default, which made a login hang during an outage);
 * - `commandTimeout`: a command on a connection that stopped answering is rejected after
 *   REDIS_COMMAND_TIMEOUT_MS;
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops is rejected, not
 *   replayed on reconnect (a replayed rate-limit increment would count twice).
 * Callers treat the error as "Redis unavailable": limiters fail open, wake-ups are left to the
 * sweeper. Commands sent before the first `ready` fail too: wait for it (`waitForRedis`) at start.
 * Not for BullMQ Workers (their blocking commands outlive any command timeout).
 */
export function createRequestRedis(url: string, opts: { name: string }): Redis {
  return new Redis(url, {
    connectionName: opts.name,
    lazyConnect: false,
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelayMs,
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
  });
}

/** Resolves when `redis` is ready; rejects with the last connection error after `timeoutMs`. */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (err: Error) => {
      lastError = err;
    };
    const done = (err?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(new Error(lastError?.message ?? `not ready after ${timeoutMs} ms`)), timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

/** How long `closeRedis` waits for QUIT's answer before dropping the socket. */
const REDIS_QUIT_TIMEOUT_MS = 1000;

/**
 * Closes a connection and stops its reconnecting. When connected: QUIT (replies still in flight
 * arrive first), resolved once the socket has closed, or dropped after REDIS_QUIT_TIMEOUT_MS if
 * the server no longer answers. Otherwise QUIT cannot be sent (it would wait for a connection that
 * may never come): disconnect, which cancels a scheduled reconnect and drops a half-open socket.
 * A connection that was waiting to reconnect keeps the status `reconnecting`, with nothing open.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'reconnecting') return redis.disconnect();
  const ended = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, REDIS_QUIT_TIMEOUT_MS);
    redis.once('end', done);
  });
  if (redis.status === 'ready') redis.quit().catch(() => undefined);
  else redis.disconnect();
  await ended;
  // QUIT went unanswered (the server stopped answering): drop the socket.
  if ((redis.status as string) !== 'end') redis.disconnect();
}
