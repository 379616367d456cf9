import { defineConfig, MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { fileURLToPath } from 'node:url';
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
