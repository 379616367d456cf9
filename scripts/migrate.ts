// Creates the database when missing and applies pending migrations (`npm run migrate`).
import { loadConfigOrExit } from '../core/config.ts';
import { migrateDatabase } from '../core/db/migrate.ts';

const config = loadConfigOrExit();
const applied = await migrateDatabase(config.DATABASE_URL);
process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
