import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toDeliveryWakeups } from './record-webhook-event.ts';

describe('delivery wake-ups', () => {
  it('wakes the dispatcher once per due time, named after the first delivery due then', () => {
    const now = new Date('2026-11-29T10:00:00.000Z');
    const later = new Date('2026-11-29T10:00:05.000Z');
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const wakeups = toDeliveryWakeups([
      { deliveryId: ids[0], at: now }, { deliveryId: ids[1], at: now }, { deliveryId: ids[2], at: later }, { deliveryId: ids[3], at: now }, { deliveryId: ids[4], at: later },
    ]);
    expect(wakeups).toEqual([
      { job: 'deliverWebhook', payload: { deliveryId: ids[0], dueAt: now.getTime() }, jobId: `deliver-${ids[0]}-${now.getTime()}`, runAt: now },
      { job: 'deliverWebhook', payload: { deliveryId: ids[2], dueAt: later.getTime() }, jobId: `deliver-${ids[2]}-${later.getTime()}`, runAt: later },
    ]);
  });

  it('a recover of thousands of deliveries is one job', () => {
    const now = new Date();
    expect(toDeliveryWakeups(Array.from({ length: 12_000 }, () => ({ deliveryId: randomUUID(), at: now })))).toHaveLength(1);
  });
});
