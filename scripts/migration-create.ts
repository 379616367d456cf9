// Generates a migration from the difference between the entities and the database
// (`npm run migration:create`, or `-- --initial` for the first one). Read it before committing.
import { createRuntimeOrExit } from '../core/runtime.ts';

// Migrated first: the new migration is the difference from the latest one, not from an empty database.
const runtime = await createRuntimeOrExit({ name: 'migration-create', redis: false, migrate: true, orm: { pool: { min: 0, max: 2 } } });
try {
  const initial = process.argv.includes('--initial');
  const result = await runtime.orm.migrator.create(undefined, false, initial);
  process.stdout.write(result.fileName ? `created ${result.fileName}\n` : 'no changes\n');
} finally {
  await runtime.close();
}
