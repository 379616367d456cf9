// One bootstrap for every process: the API, the worker, the scripts, the bench, the example and the
// test harness build their config, logger, ORM, Redis connections and queues here, and close them
// with one close(), so no entry point forgets a connection (BullMQ does not close the ones it is
// given) or closes them in the wrong order.
import type { MikroORM, Options } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { type Config, loadConfigOrExit } from './config.ts';
import { setDefaultPhoneCountry } from './leads/normalise-contact.ts';
import { applyMigrations, ensureDatabase, findPendingMigrations, isDatabaseUrlRefusal } from './db/migrate.ts';
import { createOrmLoggerFactory, initOrm } from './db/orm.ts';
import { createQueues, QUEUE_NAMES, type Queues } from './jobs/queues.ts';
import { chooseLogFormat, createLogger, type Logger } from './logger.ts';
import { closeRedis, createRedis, createRequestRedis, waitForRedis } from './redis.ts';

/** How long a process waits for Redis at start before giving up with a clear error. */
export const REDIS_START_TIMEOUT_MS = 10_000;

export interface RuntimeOptions {
  /** Names the service in log lines (`service`) and its Redis connections (`porchlight-<name>`). */
  name: string;
  /** Parsed configuration. Default: `loadConfigOrExit()` (process.env; one line and exit 1 when invalid). */
  config?: Config;
  /** Default: a pino logger at `config.LOG_LEVEL` named after `name`. */
  logger?: Logger;
  /** ORM option overrides, e.g. a smaller pool. Default: none. */
  orm?: Partial<Options>;
  /**
   * Create the database when missing and apply pending migrations before returning. Default:
   * false — then a database that lacks a migration this code ships refuses the start
   * (RuntimeStartError naming `npm run migrate`): the code would fail on the missing tables and
   * columns request by request.
   */
  migrate?: boolean;
  /** Connect to Redis and create the queues. Default: true (false for tools that only use Postgres). */
  redis?: boolean;
  /** How long to wait for Redis at start. Default: REDIS_START_TIMEOUT_MS. */
  redisStartTimeoutMs?: number;
}

/** What every process gets: configuration, logging and Postgres. */
export interface DatabaseRuntime {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  /** Migrations applied by this start (`migrate: true`), oldest first; empty otherwise. */
  appliedMigrations: string[];
  /**
   * Closes everything this runtime opened: queues, then Redis connections, then the ORM, each step
   * bounded by CLOSE_STEP_TIMEOUT_MS (a step that overruns is logged by name and left behind). Call
   * it after stopping what uses them (the HTTP server, BullMQ Workers). Safe to call twice.
   */
  close(): Promise<void>;
}

/** A runtime with Redis: the API, the worker, the bench and the test harness. */
export interface Runtime extends DatabaseRuntime {
  /**
   * The fail-fast connection (`createRequestRedis`): rate limiters, readiness checks and the
   * producer queues. A command fails within REDIS_COMMAND_TIMEOUT_MS when Redis is unavailable.
   */
  redis: Redis;
  /** Producer queues on `redis`: adding a job fails fast during an outage (the sweeper catches up). */
  queues: Queues;
  /**
   * A new connection for BullMQ Workers (`createRedis`: waits for Redis instead of failing),
   * closed by `close()` after the queues. Close the Workers that use it first.
   */
  createWorkerConnection(name?: string): Redis;
}

/** Startup failed for a reason outside the code (Postgres or Redis unreachable, a failing migration). */
export class RuntimeStartError extends Error {}

export function createRuntime(opts: RuntimeOptions & { redis: false }): Promise<DatabaseRuntime>;
export function createRuntime(opts: RuntimeOptions & { redis?: true }): Promise<Runtime>;
export function createRuntime(opts: RuntimeOptions): Promise<DatabaseRuntime | Runtime>;
/** Builds config, logger, ORM and (unless `redis: false`) Redis and queues; see `Runtime`. */
export async function createRuntime(opts: RuntimeOptions): Promise<DatabaseRuntime | Runtime> {
  const config = opts.config ?? loadConfigOrExit();
  setDefaultPhoneCountry(config.DEFAULT_PHONE_COUNTRY);
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL, name: opts.name, format: chooseLogFormat(config.NODE_ENV, process.stdout.isTTY) });
  const connectionName = `porchlight-${opts.name}`;

  let appliedMigrations: string[] = [];
  if (opts.migrate) {
    try {
      await ensureDatabase(config.DATABASE_URL);
    } catch (err) {
      if (isDatabaseUrlRefusal(err)) throw new RuntimeStartError(describeDatabaseUrlRefusal(config.DATABASE_URL, err));
      throw new RuntimeStartError(`Could not reach PostgreSQL at ${new URL(config.DATABASE_URL).host} (DATABASE_URL): ${describeError(err)}. Is it running? See README.md → Prerequisites.`);
    }
  }
  // The ORM's own lines (the migrator's progress) go through pino like every other line.
  const orm = await initOrm(config.DATABASE_URL, { loggerFactory: createOrmLoggerFactory(logger), ...opts.orm });
  if (opts.migrate) {
    try {
      appliedMigrations = await applyMigrations(orm, config.DATABASE_URL);
    } catch (err) {
      await orm.close(true);
      throw new RuntimeStartError(`Could not migrate ${new URL(config.DATABASE_URL).host} (DATABASE_URL): ${describeError(err)}`);
    }
  } else {
    let pending: string[] = [];
    try {
      pending = await findPendingMigrations(orm);
    } catch (err) {
      // A wrong user, password or database name never heals: stop with one line, like a bad value.
      if (isDatabaseUrlRefusal(err)) {
        await orm.close(true);
        throw new RuntimeStartError(describeDatabaseUrlRefusal(config.DATABASE_URL, err));
      }
      // Down or unreachable: start anyway (requests that need it answer 503 and /readyz says so
      // until it is back, as after any outage), but say so once.
      logger.warn({ err: describeError(err), host: new URL(config.DATABASE_URL).host }, 'PostgreSQL unreachable at start (DATABASE_URL); starting anyway, requests that need it answer 503 until it is back');
    }
    if (pending.length) {
      await orm.close(true);
      throw new RuntimeStartError(
        `The database at ${new URL(config.DATABASE_URL).host} (DATABASE_URL) lacks ${pending.length} migration(s) this version needs (${pending[0]}${pending.length > 1 ? ` … ${pending[pending.length - 1]}` : ''}): run \`npm run migrate\` (with docker compose: \`docker compose run --rm migrate\`), then start again. See README.md → Upgrading.`,
      );
    }
  }

  if (opts.redis === false) {
    let closing: Promise<void> | undefined;
    return { config, logger, orm, appliedMigrations, close: () => (closing ??= orm.close(true)) };
  }

  const redis = createRequestRedis(config.REDIS_URL, { name: connectionName });
  reportRedisHealth(redis, logger, connectionName);
  try {
    // A request-path connection rejects commands until it is ready, and a BullMQ Queue created
    // before Redis answers waits for it on its first add: so Redis must be up before we serve.
    await waitForRedis(redis, opts.redisStartTimeoutMs ?? REDIS_START_TIMEOUT_MS);
  } catch (err) {
    redis.disconnect();
    await orm.close(true);
    throw new RuntimeStartError(`Could not reach Redis at ${new URL(config.REDIS_URL).host} (REDIS_URL): ${describeError(err)}. Is it running? See README.md → Prerequisites.`);
  }
  const queues = createQueues(redis, config.QUEUE_PREFIX);
  // The connection's own listener reports outages; without a listener BullMQ prints each error.
  for (const name of QUEUE_NAMES) queues[name].on('error', (err) => logger.debug({ err: err.message, queue: name }, 'queue error'));

  const workerConnections: Redis[] = [];
  let closing: Promise<void> | undefined;
  // Queues first (they use the connections), then the connections, then Postgres. Every step runs
  // even if one before it failed or overran its bound, so one step never holds up the others (nor
  // the API's shutdown budget).
  const closeAll = async () => {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['queues', () => queues.close()],
      ['redis', () => Promise.all([...workerConnections, redis].map(closeRedis))],
      ['postgres', () => orm.close(true)],
    ];
    const failures: unknown[] = [];
    for (const [name, step] of steps) await closeStep(logger, name, step).catch((err: unknown) => failures.push(err));
    if (failures.length) throw failures[0];
  };
  return {
    config, logger, orm, appliedMigrations, redis, queues,
    createWorkerConnection(name = `${connectionName}-blocking`) {
      const connection = createRedis(config.REDIS_URL, { name });
      reportRedisHealth(connection, logger, name);
      workerConnections.push(connection);
      return connection;
    },
    close: () => (closing ??= closeAll()),
  };
}

/**
 * How long one step of a shutdown (`Runtime.close()`'s queues, Redis, Postgres; the API's live
 * streams) may take before the next one runs anyway. Each normally takes milliseconds; Redis QUIT
 * has its own 1 s bound (closeRedis). Several steps back to back stay inside the API's default
 * shutdown budget (API_SHUTDOWN_TIMEOUT_MS, 10 s); a budget set lower cuts them short.
 */
export const CLOSE_STEP_TIMEOUT_MS = 2000;

/**
 * Runs one shutdown step: a debug line with its duration when it finishes; when it has not within
 * `timeoutMs`, a warning naming it (`close step timed out; moving on`) and the promise resolves,
 * leaving the step to finish (or not) by itself. An error of the step is rethrown.
 */
export async function closeStep(logger: Logger, step: string, fn: () => Promise<unknown>, timeoutMs = CLOSE_STEP_TIMEOUT_MS): Promise<void> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const work = fn();
  try {
    if ((await Promise.race([work, late])) === 'late') {
      work.catch((err: unknown) => logger.debug({ err: describeError(err), step }, 'close step failed after its bound'));
      logger.warn({ step, timeoutMs }, 'close step timed out; moving on');
      return;
    }
  } finally {
    clearTimeout(timer);
  }
  logger.debug({ step, ms: Math.round(performance.now() - started) }, 'close step done');
}

/**
 * Like `createRuntime`, for entry points: a start failure (unreachable service, failing migration)
 * prints one line naming the cause and exits 1, like a configuration error.
 */
export function createRuntimeOrExit(opts: RuntimeOptions & { redis: false }): Promise<DatabaseRuntime>;
export function createRuntimeOrExit(opts: RuntimeOptions & { redis?: true }): Promise<Runtime>;
export function createRuntimeOrExit(opts: RuntimeOptions): Promise<DatabaseRuntime | Runtime>;
export async function createRuntimeOrExit(opts: RuntimeOptions): Promise<DatabaseRuntime | Runtime> {
  try {
    return await createRuntime(opts);
  } catch (err) {
    if (err instanceof RuntimeStartError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** One line for Postgres refusing DATABASE_URL (isDatabaseUrlRefusal): what it said, and what to change. */
function describeDatabaseUrlRefusal(databaseUrl: string, err: unknown): string {
  const url = new URL(databaseUrl);
  const said = `PostgreSQL at ${url.host} refused DATABASE_URL: ${describeError(err)}`;
  if ((err as { code?: string }).code === '3D000') {
    return `${said}: check the database name in DATABASE_URL, or run \`npm run migrate\` to create it (with docker compose: \`docker compose run --rm migrate\`).`;
  }
  return `${said}: check the user and password in DATABASE_URL.`;
}

/** One line for a start error; pg reports a refused connection to localhost as an AggregateError with no message. */
function describeError(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[] };
  const text = e?.message || e?.code || (e?.errors?.length ? describeError(e.errors[0]) : String(err));
  return text.split('\n')[0];
}

/**
 * Logs the first error of an outage as a warning and the recovery once, instead of one line per
 * reconnect attempt (ioredis retries about once a second while Redis is down).
 */
function reportRedisHealth(redis: Redis, logger: Logger, name: string): void {
  let down = false;
  redis.on('error', (err) => {
    if (down) return logger.debug({ err: err.message, connection: name }, 'redis error');
    down = true;
    logger.warn({ err: err.message, connection: name }, 'redis unavailable');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: name }, 'redis connection restored');
  });
}
