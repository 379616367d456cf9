import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { captureLogLines } from '#test/log-lines.ts';
import { createDatabaseOutageLog } from './database-outage.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });

describe('a Postgres outage in the worker log', () => {
  it('logs the first failure with its stack, then one summary a minute at most, then one recovered line', () => {
    const { destination, lines } = captureLogLines<Record<string, any>>();
    const logger = pino({ level: 'info' }, destination);
    let t = 0;
    const outage = createDatabaseOutageLog({ logger, now: () => t });
    // Two failed jobs a second for 130 s.
    for (; t <= 130_000; t += 500) expect(outage.jobFailed(refused(), logger, 3)).toBe(true);
    outage.jobDone();
    outage.jobDone(); // nothing more to say

    expect(lines.map((l) => l.msg)).toEqual([
      'job failed: Postgres unreachable (further failures are counted until it answers again)',
      'Postgres unreachable for 60 s; 121 jobs failed (retried when it is back)',
      'Postgres unreachable for 120 s; 241 jobs failed (retried when it is back)',
      'Postgres recovered after 131 s; 261 jobs failed while it was unreachable',
    ]);
    expect(lines[0].err.stack).toContain('ECONNREFUSED');
    expect(lines.slice(1).every((l) => l.err === undefined)).toBe(true);
  });

  it('leaves other failures to the caller, and starts a new outage after a recovery', () => {
    const { destination, lines } = captureLogLines<Record<string, any>>();
    const logger = pino({ level: 'info' }, destination);
    const outage = createDatabaseOutageLog({ logger, now: () => 0 });
    expect(outage.jobFailed(new Error('duplicate key value violates unique constraint'), logger, 1)).toBe(false);
    expect(outage.jobFailed(refused(), logger, 1)).toBe(true);
    outage.jobDone();
    expect(outage.jobFailed(refused(), logger, 1)).toBe(true);
    expect(lines.filter((l) => l.err?.stack).length).toBe(2);
  });

  it('a job that started before the first failure does not end the outage when it finishes', () => {
    const { destination, lines } = captureLogLines<Record<string, any>>();
    const logger = pino({ level: 'info' }, destination);
    let t = 1_000;
    const outage = createDatabaseOutageLog({ logger, now: () => t });
    const inFlight = 900; // started before Postgres went away, its queries already done
    expect(outage.jobFailed(refused(), logger, 2)).toBe(true);
    t = 1_500;
    outage.jobDone(inFlight);
    expect(outage.jobFailed(refused(), logger, 2)).toBe(true);
    t = 4_000;
    outage.jobDone(3_900);
    expect(lines.map((l) => l.msg)).toEqual([
      'job failed: Postgres unreachable (further failures are counted until it answers again)',
      'Postgres recovered after 3 s; 2 jobs failed while it was unreachable',
    ]);
  });
});
