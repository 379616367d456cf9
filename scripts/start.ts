// `npm start`: apply migrations, then run the API and the worker as two child processes.
// One Ctrl-C (or SIGTERM) stops both gracefully, a second kills them at once; if either exits,
// the other is stopped too. Exits non-zero when a child did (or died of a signal it was not sent).
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
const children = [
  { name: 'the API', args: [...API_NODE_FLAGS, 'api/main.ts'], env: { ...API_ENV, ...process.env } },
  { name: 'the worker', args: ['worker/main.ts'], env: process.env },
].map(({ name, args, env }) => ({ name, process: spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env }) as ChildProcess }));
let exitCode = 0;
/** The signal sent to the children to stop them; undefined until a stop begins. */
let forwarded: NodeJS.Signals | undefined;
let forced = false;
const running = () => children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
function stopAll(signal: NodeJS.Signals) {
  if (forwarded) return;
  forwarded = signal;
  for (const c of running()) c.process.kill(signal);
}
for (const child of children) {
  child.process.on('exit', (code, signal) => {
    // A child that stops on its own (code 0) does not make the stop a failure; one that exits
    // non-zero (a shutdown timeout) or dies of a signal it was not sent (SIGKILL, OOM) does.
    if (code !== null && code !== 0) exitCode ||= code;
    if (signal !== null && signal !== forwarded && !forced) {
      exitCode ||= 1;
      process.stderr.write(`${child.name} was ended by ${signal}\n`);
    }
    stopAll('SIGTERM');
    if (running().length === 0) process.exit(forced ? 1 : exitCode);
  });
}
// The first Ctrl-C or SIGTERM is passed on and each child finishes its work within its shutdown
// timeout; another one does not wait for that: it kills them and exits 1. One Ctrl-C under
// `npm start` arrives twice within milliseconds (from the terminal, and forwarded by npm to its
// script), so a repeat within REPEATED_SIGNAL_WINDOW_MS of the first is that same Ctrl-C.
const REPEATED_SIGNAL_WINDOW_MS = 500;
let firstSignalAt: number | undefined;
function onSignal(signal: NodeJS.Signals) {
  if (firstSignalAt === undefined) {
    firstSignalAt = performance.now();
    if (!forwarded) return stopAll(signal);
  } else if (performance.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
  if (forced) return;
  forced = true;
  const left = running();
  process.stderr.write(`${signal} while stopping: killing ${left.map((c) => c.name).join(' and ')} now (SIGKILL) instead of waiting for a graceful stop\n`);
  for (const c of left) c.process.kill('SIGKILL');
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.stdout.write(`Porchlight starting: admin at ${config.PUBLIC_URL}/app/\n`);
