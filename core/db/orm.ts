import { DefaultLogger, defineConfig, type LogContext, type LoggerNamespace, type LoggerOptions, MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.ts';
import { ENTITIES } from './entities.ts';
import { PorchlightNamingStrategy } from './naming-strategy.ts';

/** How long a query waits to connect or for a free pooled connection before failing (→ 503). */
export const DB_CONNECT_TIMEOUT_MS = 10_000;

export const MIGRATIONS_PATH = fileURLToPath(new URL('../../migrations', import.meta.url));

/** ORM options for a database URL; one function so app, worker, scripts and tests agree. */
export function createOrmConfig(databaseUrl: string, extra: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    driver: PostgreSqlDriver,
    entities: ENTITIES,
    extensions: [Migrator],
    namingStrategy: PorchlightNamingStrategy,
    // Identity maps are per request/job: forking is explicit everywhere.
    allowGlobalContext: false,
    debug: false,
    // MikroORM creates a missing database on connect by default: the API or worker started with a
    // misspelt name made that database (and told the operator to migrate it). Only `npm run
    // migrate` and `npm start` create it (ensureDatabase in migrate.ts); the others refuse to start.
    ensureDatabase: false,
    pool: { min: 0, max: 10 },
    // A Postgres that hangs (frozen, blackholed) instead of refusing: a connection attempt, or a
    // wait for a free pooled connection, gives up after this, and the request answers 503 with
    // Retry-After (core/errors.ts isDatabaseUnavailable) instead of waiting on the OS's TCP timeout.
    driverOptions: { connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS },
    migrations: {
      path: MIGRATIONS_PATH,
      pathTs: MIGRATIONS_PATH,
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
    ...extra,
  });
}

export function initOrm(databaseUrl: string, extra: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init(createOrmConfig(databaseUrl, extra));
}

/**
 * MikroORM's own lines (the migrator's "Processing / Applied 'Migration…'", its warnings) as pino
 * lines of `logger`, `orm` naming the source. Its default logger writes ANSI-coloured text to
 * stdout, which broke the JSON log stream of `npm start` and of the compose migration.
 */
export function createOrmLoggerFactory(logger: Logger): (options: LoggerOptions) => DefaultLogger {
  return (options) => new PinoOrmLogger(options, logger);
}

class PinoOrmLogger extends DefaultLogger {
  readonly #logger: Logger;
  constructor(options: LoggerOptions, logger: Logger) {
    super(options);
    this.#logger = logger;
  }

  log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace, context)) return;
    const level = context?.level === 'error' ? 'error' : context?.level === 'warning' ? 'warn' : 'info';
    this.#logger[level]({ orm: namespace }, message.replace(/\s+/g, ' ').trim());
  }
}
