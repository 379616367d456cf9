// Creates the database when missing and applies pending migrations (`npm run migrate`).
import { createRuntimeOrExit } from '../core/runtime.ts';

const runtime = await createRuntimeOrExit({ name: 'migrate', redis: false, migrate: true, orm: { pool: { min: 0, max: 2 } } });
const applied = runtime.appliedMigrations;
process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
await runtime.close();
