import { describe, expect, it } from 'vitest';
import { AppError } from '#core/errors.ts';
import { createWorkSlots } from './work-slots.ts';

/** A task that runs until its `finish` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { finish, task: async () => done };
}

describe('createWorkSlots', () => {
  it('runs at most `size` tasks at once and starts the waiting ones in arrival order', async () => {
    const slots = createWorkSlots({ size: 2, maxWaitMs: 10_000, what: 'imports' });
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((g, i) => slots.run(async () => {
      started.push(i);
      await g.task();
      return i;
    }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect([slots.inUse, slots.waiting]).toEqual([2, 2]);
    gates[1].finish();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0].finish();
    gates[2].finish();
    gates[3].finish();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect([slots.inUse, slots.waiting]).toEqual([0, 0]);
  });

  it('passes the slot on when a task fails', async () => {
    const slots = createWorkSlots({ size: 1, maxWaitMs: 10_000, what: 'imports' });
    const failing = slots.run(async () => {
      throw new Error('boom');
    });
    const next = slots.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('ran');
    expect(slots.inUse).toBe(0);
  });

  it('answers 503 with Retry-After to a task that waited maxWaitMs, and never runs it', async () => {
    const slots = createWorkSlots({ size: 1, maxWaitMs: 20, what: 'imports' });
    const held = gate();
    const first = slots.run(held.task);
    let ran = false;
    const err = await slots.run(async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect([(err as AppError).status, (err as AppError).headers]).toEqual([503, { 'Retry-After': '1' }]);
    expect((err as AppError).message).toBe('Too many imports at once on this server; retry in a moment');
    expect([slots.inUse, slots.waiting, ran]).toEqual([1, 0, false]);
    held.finish();
    await first;
    expect(slots.inUse).toBe(0);
  });
});
