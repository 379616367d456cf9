import { defineConfig, MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { fileURLToPath } from 'node:url';
import { ENTITIES } from './entities.ts';
import { PorchlightNamingStrategy } from './naming-strategy.ts';

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
