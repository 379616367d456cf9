// The handler table: exactly one handler per job. The type of HANDLERS makes a gap or a stray
// entry a compile error (the @ts-expect-error lines below fail `npm run typecheck` if that ever
// stops being true); this test checks the same at run time.
import { describe, expect, it } from 'vitest';
import { JOBS } from '#core/jobs/jobs.ts';
import { defineHandler, type HandlerTable } from '../handler.ts';
import { HANDLERS, SCHEDULES } from './index.ts';

describe('the handler table', () => {
  it('has one handler per job, each filed under its own job', () => {
    expect(Object.keys(HANDLERS).sort()).toEqual(Object.keys(JOBS).sort());
    for (const [key, handler] of Object.entries(HANDLERS)) expect(handler.job).toBe(key);
  });

  it('schedules only jobs that exist, with no payload', () => {
    for (const key of Object.keys(SCHEDULES) as Array<keyof typeof JOBS>) expect(JOBS[key].payload.parse({})).toEqual({});
  });

  it('refuses, at compile time, a job without a handler, a handler without a job, and a handler under another job', () => {
    const noop = async () => undefined;
    const { refreshScores: _, ...withoutRefresh } = HANDLERS;
    // @ts-expect-error refreshScores has no handler
    const missing: HandlerTable = withoutRefresh;
    // @ts-expect-error `notAJob` is not a job
    const stray: HandlerTable = { ...HANDLERS, notAJob: defineHandler('sweep', noop) };
    // @ts-expect-error the sweep handler filed under scoreLead
    const misfiled: HandlerTable = { ...HANDLERS, scoreLead: defineHandler('sweep', noop) };
    // @ts-expect-error a handler's payload is the job's, parsed: `leadId` is a string
    defineHandler('scoreLead', async (_ctx, { leadId }: { leadId: number }) => leadId);
    const n = Object.keys(HANDLERS).length;
    expect([missing, stray, misfiled].map((t) => Object.keys(t).length)).toEqual([n - 1, n + 1, n]);
  });
});
