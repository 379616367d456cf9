// CPU accounting of a measured load from /proc (Linux): the API process, every Postgres server
// process, and the whole machine — the ingest and dashboard scenarios report it per request.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time (user + system, ms) a process has used, from /proc (Linux; 0 when unreadable). */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU time of every Postgres server process on this machine (per pid: a backend that exits during
 * the load takes its whole history out of a plain sum), and of the whole machine (busy, all).
 */
export function cpuSnapshot(apiPid: number): { api: number; postgres: Map<number, number>; busy: number; all: number } {
  const postgres = new Map<number, number>();
  try {
    for (const pid of execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).trim().split('\n')) postgres.set(Number(pid), cpuMs(Number(pid)));
  } catch {
    // no pgrep, or no local Postgres: the split says 0
  }
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { api: cpuMs(apiPid), postgres, busy: (f[0] + f[1] + f[2] + f[5] + f[6]) * 10, all: f.reduce((a, b) => a + b, 0) * 10 };
}

/**
 * Where the CPU of one measured load went, per request: the API process, Postgres, and the rest of
 * the machine (mostly the load generator), and how busy the machine was — what bounds the
 * throughput on a small machine (docs/performance.md, "What limits each number").
 */
export function cpuSplit(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>, requests: number) {
  const per = (ms: number) => Math.round((ms / Math.max(1, requests)) * 1000);
  const api = after.api - before.api;
  // Processes alive at the end, from their CPU at the start (or 0 if they started meanwhile); one
  // that exited meanwhile is left out (its last share is lost, the rest's figure absorbs it).
  let postgres = 0;
  for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
  const busy = after.busy - before.busy;
  return { apiUs: per(api), postgresUs: per(postgres), otherUs: per(busy - api - postgres), machineBusy: Math.round((busy / Math.max(1, after.all - before.all)) * 100) };
}
