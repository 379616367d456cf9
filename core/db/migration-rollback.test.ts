// Rolling back (the migrator's `down`) undoes one migration at a time and stops at the first
// without a down() (MikroORM's base class throws "cannot be reverted"): every migration but the
// initial schema has one, even when undoing means leaving the data as it is. (This file is not in
// migrations/: the migrator loads every .ts file there as a migration.)
import { Migration } from '@mikro-orm/migrations';
import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { shippedMigrations } from './migrate.ts';
import { MIGRATIONS_PATH } from './orm.ts';

/** The initial schema: rolling back past it would drop the seed's tables. */
const INITIAL = 'Migration20261125031827';

describe('migrations', () => {
  it('each one after the initial schema can be rolled back (it has a down())', async () => {
    const names = await shippedMigrations();
    expect(names[0]).toBe(INITIAL);
    const withoutDown: string[] = [];
    for (const name of names.slice(1)) {
      const mod = (await import(pathToFileURL(`${MIGRATIONS_PATH}/${name}.ts`).href)) as Record<string, { prototype: Migration }>;
      if (mod[name].prototype.down === Migration.prototype.down) withoutDown.push(name);
    }
    expect(withoutDown).toEqual([]);
  });
});
