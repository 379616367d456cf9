// A throwaway Postgres cluster (initdb + pg_ctl from the machine's binaries) on a free port outside
// the OS's ephemeral range (findFreePort: a restart cannot find it taken by an outgoing connection),
// for tests that take Postgres away: stop it, start it again on the same port and data directory.
// Never the shared Postgres on 5432. initdb refuses to run as root: as root, the cluster belongs
// to the `postgres` OS user and every command runs through `runuser`.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './redis-server.ts';

const run = promisify(execFile);

/** Where Debian puts the server binaries (PG_BIN overrides); the newest installed version. */
function pgBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('no Postgres server binaries under /usr/lib/postgresql (set PG_BIN)');
  return join(root, versions[0], 'bin');
}

export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  /** Starts the cluster (again); resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: open sessions are terminated (57P01), new connections are refused. */
  stop(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

/** initdb's a cluster in a temp directory and starts it on a free port (findFreePort). Call `destroy()` in afterAll. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'porchlight-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  let port = await findFreePort();
  let running = false;
  const start = async () => {
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`;
    await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    running = false;
  };
  // A failed or timed-out test file must not leave a postmaster behind when its process ends.
  process.once('exit', () => {
    if (!running) return;
    try {
      // Synchronous: an exit handler cannot wait. -m immediate kills it at once.
      const args = ['-D', data, '-m', 'immediate', 'stop'];
      execFileSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args);
    } catch {
      // already gone
    }
  });
  // The first start may lose its port to another process between the check and the bind (the
  // postmaster logs EADDRINUSE and pg_ctl fails): nobody knows the port yet, so another one will
  // do. A restart keeps its port (clients reconnect to it).
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : '';
      if (attempt >= 3 || !log.includes(`${port}`) || !/Address already in use/i.test(log)) throw err;
      port = await findFreePort();
    }
  }
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
