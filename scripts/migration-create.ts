// Generates a migration from the difference between the entities and the database
// (`npm run migration:create`, or `-- --initial` for the first one). Read it before committing.
import { loadConfigOrExit } from '../core/config.ts';
import { ensureDatabase } from '../core/db/migrate.ts';
import { initOrm } from '../core/db/orm.ts';

const config = loadConfigOrExit();
await ensureDatabase(config.DATABASE_URL);
const orm = await initOrm(config.DATABASE_URL);
try {
  await orm.migrator.up();
  const initial = process.argv.includes('--initial');
  const result = await orm.migrator.create(undefined, false, initial);
  process.stdout.write(result.fileName ? `created ${result.fileName}\n` : 'no changes\n');
} finally {
  await orm.close(true);
}
