// What a test run leaves in the shared Postgres when it is interrupted (Ctrl-C skips vitest's
// teardown) or killed: the next run's set-up drops the databases of every run whose advisory lock is
// free, and never those of a run still going (test/admin-db.ts, test/env.ts runLockName).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropLeftoverTestDatabases, dropTestDatabase, holdRunLock, withAdmin } from './admin-db.ts';
import { createTestDatabaseName, poolDatabaseName, runLockName, runOfTestDatabase } from './env.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ownRun = () => runOfTestDatabase(inject('templateDb')) as string;

/** A run's databases as a run would have left them: its template, a ready clone, a file's database and a handed-back one. */
function runDatabases(): { run: string; names: string[] } {
  const template = createTestDatabaseName('tpl');
  return { run: runOfTestDatabase(template) as string, names: [template, poolDatabaseName(template, 'pool'), poolDatabaseName(template, 'db'), poolDatabaseName(template, 'done')] };
}

async function existing(admin: pg.Client, names: string[]): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname = any($1) order by datname', [names]);
  return rows.map((r) => r.datname);
}

const created: string[] = [];
async function createEmpty(admin: pg.Client, names: string[]): Promise<void> {
  for (const name of names) {
    created.push(name);
    await admin.query(`create database "${name}" template template0`);
  }
}

afterAll(async () => {
  await withAdmin(async (admin) => {
    for (const name of created) await dropTestDatabase(admin, name);
  });
});

describe("an ended run's test databases", () => {
  let admin: pg.Client;
  beforeAll(() => {
    expect(ownRun()).toMatch(/^[0-9a-z]+_[0-9a-z]+$/);
  });

  it("are dropped by the next set-up; a live run's and this run's own stay", async () => {
    const ended = runDatabases();
    const live = runDatabases();
    const liveLock = await holdRunLock(live.run);
    try {
      await withAdmin(async (c) => {
        admin = c;
        await createEmpty(admin, [...ended.names, ...live.names]);
        const dropped = await dropLeftoverTestDatabases(admin, ownRun());
        expect(dropped).toEqual(expect.arrayContaining(ended.names));
        expect(await existing(admin, ended.names)).toEqual([]);
        expect(await existing(admin, live.names)).toEqual([...live.names].sort());
        // This run's template (what every file here clones) is still there.
        expect(await existing(admin, [inject('templateDb')])).toEqual([inject('templateDb')]);
        // The ended run's lock, tried by the drop, is not kept: another set-up can take it.
        const { rows: [held] } = await admin.query<{ n: number }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()");
        expect(held.n).toBe(0);
      });
    } finally {
      await liveLock.end();
    }
    // The live run ends (its lock connection closes): the next set-up drops its databases too.
    await withAdmin(async (c) => {
      expect(await dropLeftoverTestDatabases(c, ownRun())).toEqual(expect.arrayContaining(live.names));
      expect(await existing(c, live.names)).toEqual([]);
    });
  });

  it('are dropped once the process that held the lock is killed with SIGKILL', async () => {
    const killed = runDatabases();
    // A stand-in for vitest's main process: takes the run's lock, says so, and waits to be killed.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { holdRunLock } = await import('./test/admin-db.ts');
      await holdRunLock(${JSON.stringify(killed.run)});
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);
    `], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      child.on('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    });
    await withAdmin(async (c) => {
      await createEmpty(c, killed.names);
      // Held: nothing of that run is touched.
      await dropLeftoverTestDatabases(c, ownRun());
      expect(await existing(c, killed.names)).toEqual([...killed.names].sort());
      child.kill('SIGKILL');
      await exited;
      // Postgres ends the killed client's session (and its lock) once it sees the socket closed.
      for (let i = 0; i < 250; i++) {
        const { rows: [free] } = await c.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [runLockName(killed.run)]);
        if (free.ok) {
          await c.query('select pg_advisory_unlock(hashtextextended($1, 0))', [runLockName(killed.run)]);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await dropLeftoverTestDatabases(c, ownRun())).toEqual(expect.arrayContaining(killed.names));
      expect(await existing(c, killed.names)).toEqual([]);
    });
  });
});
