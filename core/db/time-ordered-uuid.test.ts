import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from './time-ordered-uuid.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID whose first 48 bits are the milliseconds given', () => {
    const ms = Date.UTC(2026, 10, 29, 22, 45, 0, 123);
    const id = timeOrderedUuid(ms);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(ms);
  });

  it('sorts by time: a later millisecond always sorts after, as text and as PostgreSQL compares uuids', () => {
    const base = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedUuid(base + i * 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is unique within one millisecond (74 random bits)', () => {
    const ms = Date.now();
    const ids = new Set(Array.from({ length: 50_000 }, () => timeOrderedUuid(ms)));
    expect(ids.size).toBe(50_000);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(UUID_V7);
  });

  it('defaults to now and pads early times', () => {
    const before = Date.now();
    const id = timeOrderedUuid();
    const ms = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(timeOrderedUuid(1)).toMatch(/^00000000-0001-7/);
  });
});
