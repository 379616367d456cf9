// `npm start`: apply migrations, then run the API and the worker as two child processes.
// One Ctrl-C (or SIGTERM) stops both gracefully; if either exits, the other is stopped too.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRuntimeOrExit } from '../core/runtime.ts';
import { API_ENV, API_NODE_FLAGS } from './node-flags.ts';

// Migrations run here, once, before the API and the worker start.
// An unreachable Postgres or a failing migration prints one line and exits 1.
const migrated = await createRuntimeOrExit({ name: 'start', redis: false, migrate: true, orm: { pool: { min: 0, max: 2 } } });
const { config, appliedMigrations: applied } = migrated;
process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
await migrated.close();

const root = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [
  { args: [...API_NODE_FLAGS, 'api/main.ts'], env: { ...API_ENV, ...process.env } },
  { args: ['worker/main.ts'], env: process.env },
].map(({ args, env }) => spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env }));
let exitCode = 0;
let stopping = false;
function stopAll(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill(signal);
}
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) exitCode = code ?? 1;
    stopAll('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
process.on('SIGINT', () => stopAll('SIGTERM'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.stdout.write(`Porchlight starting: admin at ${config.PUBLIC_URL}/app/\n`);
